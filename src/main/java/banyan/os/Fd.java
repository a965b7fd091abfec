package banyan.os;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** File descriptors: pipes, read, write, close. Every fd banyan creates is close-on-exec. */
public final class Fd {
    private Fd() {}

    private static final int O_CLOEXEC = 0x80000, O_NONBLOCK = 0x800;
    private static final MethodHandle PIPE2 = Native.errnoCall("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle READ = Native.errnoCall("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = Native.errnoCall("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle OPEN = Native.errnoCallVariadic("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
    private static final MethodHandle CLOSE = Native.errnoCall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle IOCTL = Native.errnoCallVariadic("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2);
    private static final long FIONREAD = 0x541B;

    /** A pipe: read end and write end, both close-on-exec. */
    public record Pipe(int readEnd, int writeEnd) {
        public void close() {
            Fd.close(readEnd);
            Fd.close(writeEnd);
        }
    }

    public static Pipe pipe() {
        return pipe(false);
    }

    /** @param nonBlockingRead make the read end non-blocking, for readers driven by epoll */
    public static Pipe pipe(boolean nonBlockingRead) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            int rc = (int) PIPE2.invokeExact(cap, fds, O_CLOEXEC);
            if (rc < 0) throw new OsException("pipe2", "", Native.errno(cap));
            Pipe p = new Pipe(fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1));
            if (nonBlockingRead) Epoll.setNonBlocking(p.readEnd());
            return p;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Reads up to buf.byteSize() bytes; returns the count, 0 at end of file, -1 when it would block. */
    public static int read(int fd, MemorySegment buf) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            while (true) {
                long n = (long) READ.invokeExact(cap, fd, buf, buf.byteSize());
                if (n >= 0) return (int) n;
                int e = Native.errno(cap);
                if (e == OsException.EINTR) continue;
                if (e == OsException.EAGAIN) return -1;
                throw new OsException("read", "fd " + fd, e);
            }
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    private static final ThreadLocal<MemorySegment> READ_BUFFER =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(64 * 1024)); // one per reader thread, reused

    /** Reads up to into.length (at most 64 KiB) bytes into a Java array; as {@link #read(int, MemorySegment)}. */
    public static int read(int fd, byte[] into) {
        MemorySegment buf = READ_BUFFER.get();
        int n = read(fd, buf.asSlice(0, Math.min(into.length, buf.byteSize())));
        if (n > 0) MemorySegment.copy(buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, into, 0, n);
        return n;
    }

    /** Writes all of data (retrying short writes). */
    public static void write(int fd, byte[] data) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            MemorySegment buf = a.allocateFrom(JAVA_BYTE_ARRAY, data);
            long off = 0;
            while (off < data.length) {
                long n = (long) WRITE.invokeExact(cap, fd, buf.asSlice(off), (long) data.length - off);
                if (n < 0) {
                    int e = Native.errno(cap);
                    if (e == OsException.EINTR) continue;
                    throw new OsException("write", "fd " + fd, e);
                }
                off += n;
            }
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    private static final java.lang.foreign.ValueLayout.OfByte JAVA_BYTE_ARRAY = java.lang.foreign.ValueLayout.JAVA_BYTE;

    /** Opens path read-write, close-on-exec (for /dev/null and consoles). */
    public static int openReadWrite(String path) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            int fd = (int) OPEN.invokeExact(cap, a.allocateFrom(path), 2 | O_CLOEXEC, 0);
            if (fd < 0) throw new OsException("open", path, Native.errno(cap));
            return fd;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Bytes waiting in a pipe (FIONREAD): written, not yet read by anyone. */
    public static int unread(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            MemorySegment n = a.allocate(JAVA_INT);
            int rc = (int) IOCTL.invokeExact(cap, fd, FIONREAD, n);
            if (rc < 0) throw new OsException("ioctl FIONREAD", "fd " + fd, Native.errno(cap));
            return n.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Closes fd; a bad fd is ignored, because close is only ever cleanup here. */
    public static void close(int fd) {
        if (fd < 0) return;
        try (Arena a = Arena.ofConfined()) {
            int rc = (int) CLOSE.invokeExact(Native.capture(a), fd);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}

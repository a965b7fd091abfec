package banyan.os;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The receiving end of sd_notify: a unix datagram socket in the abstract namespace (no file to
 * clean up, nothing on a disk), with SO_PASSCRED so the kernel stamps every message with the
 * sender's pid, which a sender cannot forge.
 */
public final class NotifySocket {
    /** One datagram and who sent it. */
    public record Message(int pid, int uid, String text) {}

    /** Larger datagrams are dropped, as systemd does. */
    public static final int MAX_MESSAGE = 4096;

    private static final int AF_UNIX = 1, SOCK_DGRAM = 2, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1, SO_PASSCRED = 16, SCM_CREDENTIALS = 2, MSG_TRUNC = 0x20, MSG_CTRUNC = 0x8;
    private static final MethodHandle SOCKET = Native.errnoCall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = Native.errnoCall("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle BIND = Native.errnoCall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVMSG = Native.errnoCall("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));

    private final int fd;
    private final String name;

    private NotifySocket(int fd, String name) {
        this.fd = fd;
        this.name = name;
    }

    /** Binds "@name" (abstract: name must be unique among this network namespace's sockets). Non-blocking, close-on-exec. */
    public static NotifySocket bind(String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            int fd = (int) SOCKET.invokeExact(cap, AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0) throw new OsException("socket", "AF_UNIX", Native.errno(cap));
            MemorySegment one = a.allocate(JAVA_INT);
            one.set(JAVA_INT, 0, 1);
            if ((int) SETSOCKOPT.invokeExact(cap, fd, SOL_SOCKET, SO_PASSCRED, one, 4) < 0) {
                int e = Native.errno(cap);
                Fd.close(fd);
                throw new OsException("setsockopt", "SO_PASSCRED", e);
            }
            byte[] path = name.getBytes(StandardCharsets.UTF_8);
            if (path.length > 100) throw new IllegalArgumentException("notify socket name too long: " + name);
            MemorySegment addr = a.allocate(110, 2);
            addr.set(JAVA_SHORT, 0, (short) AF_UNIX); // sun_path[0] = 0: the abstract namespace
            MemorySegment.copy(path, 0, addr, java.lang.foreign.ValueLayout.JAVA_BYTE, 3, path.length);
            if ((int) BIND.invokeExact(cap, fd, addr, 3 + path.length) < 0) {
                int e = Native.errno(cap);
                Fd.close(fd);
                throw new OsException("bind", "@" + name, e);
            }
            return new NotifySocket(fd, name);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public int fd() {
        return fd;
    }

    /** The value of NOTIFY_SOCKET for the service ('@' marks the abstract namespace, as sd_notify expects). */
    public String address() {
        return "@" + name;
    }

    /**
     * Reads one datagram: empty when none is waiting. A message that is too long, or carries no
     * credentials, is consumed and returned with pid 0, which no service owns.
     */
    public Optional<Message> receive() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            MemorySegment buf = a.allocate(MAX_MESSAGE + 1);
            MemorySegment iov = a.allocate(16, 8);
            iov.set(ADDRESS, 0, buf);
            iov.set(JAVA_LONG, 8, buf.byteSize());
            MemorySegment control = a.allocate(64, 8);
            MemorySegment msg = a.allocate(56, 8); // struct msghdr on x86_64 and aarch64
            msg.set(ADDRESS, 16, iov);
            msg.set(JAVA_LONG, 24, 1);
            msg.set(ADDRESS, 32, control);
            msg.set(JAVA_LONG, 40, control.byteSize());
            while (true) {
                long n = (long) RECVMSG.invokeExact(cap, fd, msg, MSG_TRUNC);
                if (n < 0) {
                    int e = Native.errno(cap);
                    if (e == OsException.EINTR) continue;
                    if (e == OsException.EAGAIN) return Optional.empty();
                    throw new OsException("recvmsg", "@" + name, e);
                }
                int flags = msg.get(JAVA_INT, 48);
                long controlLen = msg.get(JAVA_LONG, 40);
                int pid = 0, uid = -1;
                // The first (and, with SO_PASSCRED alone, only) cmsghdr: len, level, type, then struct ucred.
                if (controlLen >= 28 && control.get(JAVA_INT, 8) == SOL_SOCKET && control.get(JAVA_INT, 12) == SCM_CREDENTIALS) {
                    pid = control.get(JAVA_INT, 16);
                    uid = control.get(JAVA_INT, 20);
                }
                if (n > MAX_MESSAGE || (flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) return Optional.of(new Message(0, uid, ""));
                byte[] data = buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                return Optional.of(new Message(pid, uid, new String(data, StandardCharsets.UTF_8)));
            }
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public void close() {
        Fd.close(fd);
    }
}

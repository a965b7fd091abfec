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
    /**
     * One datagram and who sent it: pid and uid as the kernel stamped them, and the session the
     * sender was in when the datagram was read (-1 if it was already gone).
     */
    public record Message(int pid, int uid, int session, String text) {}

    /** Larger datagrams are dropped, as systemd does. */
    public static final int MAX_MESSAGE = 4096;

    private static final int AF_UNIX = 1, SOCK_DGRAM = 2, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1, SO_PASSCRED = 16, SCM_RIGHTS = 1, SCM_CREDENTIALS = 2, MSG_TRUNC = 0x20, MSG_CTRUNC = 0x8,
            MSG_CMSG_CLOEXEC = 0x40000000;
    /** Room for the credentials and 32 fds; more are discarded by the kernel (MSG_CTRUNC). */
    private static final int CONTROL_BYTES = 32 + 16 + 32 * 4;
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
     * credentials, is consumed and returned with pid 0, which no service owns. File descriptors
     * sent with it (sd_notify's BARRIER=1 sends one, and waits until the manager closes it) are
     * closed once the sender's session is read: a sender waiting on a barrier is still alive then.
     */
    public Optional<Message> receive() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            MemorySegment buf = a.allocate(MAX_MESSAGE + 1);
            MemorySegment iov = a.allocate(16, 8);
            iov.set(ADDRESS, 0, buf);
            iov.set(JAVA_LONG, 8, buf.byteSize());
            MemorySegment control = a.allocate(CONTROL_BYTES, 8);
            MemorySegment msg = a.allocate(56, 8); // struct msghdr on x86_64 and aarch64
            msg.set(ADDRESS, 16, iov);
            msg.set(JAVA_LONG, 24, 1);
            msg.set(ADDRESS, 32, control);
            while (true) {
                msg.set(JAVA_LONG, 40, control.byteSize());
                // CLOEXEC: an fd passed to banyan never reaches a service spawned before it is closed
                long n = (long) RECVMSG.invokeExact(cap, fd, msg, MSG_TRUNC | MSG_CMSG_CLOEXEC);
                if (n < 0) {
                    int e = Native.errno(cap);
                    if (e == OsException.EINTR) continue;
                    if (e == OsException.EAGAIN) return Optional.empty();
                    throw new OsException("recvmsg", "@" + name, e);
                }
                int flags = msg.get(JAVA_INT, 48);
                Ancillary anc = Ancillary.read(control, msg.get(JAVA_LONG, 40));
                int session = anc.pid > 0 ? Proc.sessionOf(anc.pid) : -1;
                anc.closeFds();
                if (n > MAX_MESSAGE || (flags & MSG_TRUNC) != 0) return Optional.of(new Message(0, anc.uid, -1, ""));
                byte[] data = buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                return Optional.of(new Message(anc.pid, anc.uid, session, new String(data, StandardCharsets.UTF_8)));
            }
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** What the control messages carried: the credentials, and any fds (each cmsghdr: len, level, type, data; 8-aligned). */
    private static final class Ancillary {
        int pid, uid = -1;
        final java.util.List<Integer> fds = new java.util.ArrayList<>();

        static Ancillary read(MemorySegment control, long length) {
            Ancillary out = new Ancillary();
            long at = 0;
            while (at + 16 <= length) {
                long len = control.get(JAVA_LONG, at);
                if (len < 16 || at + len > length) break;
                int level = control.get(JAVA_INT, at + 8), type = control.get(JAVA_INT, at + 12);
                if (level == SOL_SOCKET && type == SCM_CREDENTIALS && len >= 28) {
                    out.pid = control.get(JAVA_INT, at + 16);
                    out.uid = control.get(JAVA_INT, at + 20);
                } else if (level == SOL_SOCKET && type == SCM_RIGHTS) {
                    for (long p = at + 16; p + 4 <= at + len; p += 4) out.fds.add(control.get(JAVA_INT, p));
                }
                at += (len + 7) & ~7L;
            }
            return out;
        }

        void closeFds() {
            for (int f : fds) Fd.close(f);
        }
    }

    public void close() {
        Fd.close(fd);
    }
}

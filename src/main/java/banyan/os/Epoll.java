package banyan.os;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/** An epoll set of fds, level-triggered, for one reader thread (log pipes, notify sockets). */
public final class Epoll implements AutoCloseable {
    private static final int EPOLL_CLOEXEC = 0x80000, EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2;
    private static final int EPOLLIN = 0x1, F_GETFL = 3, F_SETFL = 4, O_NONBLOCK = 0x800;
    private static final int EVENT_SIZE = 12; // struct epoll_event is packed on x86_64: u32 events, u64 data
    private static final MethodHandle CREATE = Native.errnoCall("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle CTL = Native.errnoCall("epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle WAIT = Native.errnoCall("epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCNTL = Native.errnoCallVariadic("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2);

    private final int epfd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment events;
    private final MemorySegment waitCapture = Native.capture(arena);
    private final int max;

    public Epoll(int maxEvents) {
        this.max = maxEvents;
        this.events = arena.allocate((long) EVENT_SIZE * maxEvents, 8);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            int fd = (int) CREATE.invokeExact(cap, EPOLL_CLOEXEC);
            if (fd < 0) throw new OsException("epoll_create1", "", Native.errno(cap));
            epfd = fd;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Watches fd for input; any thread may call this while another waits. */
    public void add(int fd) {
        ctl(EPOLL_CTL_ADD, fd);
    }

    public void remove(int fd) {
        ctl(EPOLL_CTL_DEL, fd);
    }

    private void ctl(int op, int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            MemorySegment ev = a.allocate(EVENT_SIZE, 8);
            ev.set(JAVA_INT, 0, EPOLLIN);
            ev.set(JAVA_LONG_UNALIGNED, 4, fd);
            int rc = (int) CTL.invokeExact(cap, epfd, op, fd, ev);
            if (rc < 0) throw new OsException(op == EPOLL_CTL_ADD ? "epoll_ctl(ADD)" : "epoll_ctl(DEL)", "fd " + fd, Native.errno(cap));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Waits for readable fds and returns how many are in {@link #readyFd}; 0 on timeout or signal. */
    public int await(int timeoutMillis) {
        try {
            int n = (int) WAIT.invokeExact(waitCapture, epfd, events, max, timeoutMillis);
            if (n < 0) {
                int e = Native.errno(waitCapture);
                if (e == OsException.EINTR) return 0;
                throw new OsException("epoll_wait", "", e);
            }
            return n;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** The fd of the i-th ready event of the last {@link #await}. */
    public int readyFd(int i) {
        return (int) events.get(JAVA_LONG_UNALIGNED, (long) i * EVENT_SIZE + 4);
    }

    static void setNonBlocking(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            int flags = (int) FCNTL.invokeExact(cap, fd, F_GETFL, 0);
            if (flags < 0 || (int) FCNTL.invokeExact(cap, fd, F_SETFL, flags | O_NONBLOCK) < 0)
                throw new OsException("fcntl(O_NONBLOCK)", "fd " + fd, Native.errno(cap));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    @Override
    public void close() {
        Fd.close(epfd);
        arena.close();
    }
}

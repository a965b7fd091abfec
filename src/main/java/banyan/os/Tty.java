package banyan.os;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/** The console's terminal: whether an fd is one (isatty), and a bounded wait for input on it (poll). */
public final class Tty {
    private Tty() {}

    private static final MethodHandle ISATTY = Native.errnoCall("isatty", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle POLL = Native.errnoCall("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final short POLLIN = 1, POLLHUP = 0x10;

    /** True when fd is a terminal; false for a pipe, a file, /dev/null or a closed fd (ENOTTY, EBADF). */
    public static boolean isTerminal(int fd) {
        try (Arena a = Arena.ofConfined()) {
            return (int) ISATTY.invokeExact(Native.capture(a), fd) == 1;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * True when a read of fd would not block (input, end of file, or a hang-up), false when
     * timeoutMillis passed first or a signal came (EINTR): the caller asks again.
     */
    public static boolean readable(int fd, int timeoutMillis) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pollfd = a.allocate(8, 4), capture = Native.capture(a);
            pollfd.set(JAVA_INT, 0, fd);
            pollfd.set(JAVA_SHORT, 4, POLLIN);
            int n = (int) POLL.invokeExact(capture, pollfd, 1L, timeoutMillis);
            if (n < 0 && Native.errno(capture) != OsException.EINTR) throw new OsException("poll", "fd " + fd, Native.errno(capture));
            return n > 0 && (pollfd.get(JAVA_SHORT, 6) & (POLLIN | POLLHUP | 8)) != 0;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}

package banyan.os;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** RLIMIT_NOFILE: how many file descriptors banyan may hold, which bounds how many services it can supervise. */
public final class OpenFiles {
    private OpenFiles() {}

    private static final int RLIMIT_NOFILE = 7;
    private static final MethodHandle GETRLIMIT = Native.errnoCall("getrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SETRLIMIT = Native.errnoCall("setrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

    /** The soft and hard limits. */
    public record Limit(long soft, long hard) {}

    /** Raises the soft limit to the hard one (the JVM usually has already) and returns the limits now in force. */
    public static Limit raise() {
        Limit now = get();
        if (now.soft() >= now.hard()) return now;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            MemorySegment rl = a.allocate(16, 8);
            rl.set(JAVA_LONG, 0, now.hard());
            rl.set(JAVA_LONG, 8, now.hard());
            if ((int) SETRLIMIT.invokeExact(cap, RLIMIT_NOFILE, rl) < 0) return now; // keep what we have; the check below says what it allows
            return get();
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public static Limit get() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            MemorySegment rl = a.allocate(16, 8);
            if ((int) GETRLIMIT.invokeExact(cap, RLIMIT_NOFILE, rl) < 0) throw new OsException("getrlimit", "RLIMIT_NOFILE", Native.errno(cap));
            return new Limit(rl.get(JAVA_LONG, 0), rl.get(JAVA_LONG, 8));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}

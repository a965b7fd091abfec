package banyan.os;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** Replacing banyan's own image: chdir(2) and execve(2), keeping the PID (PID 1 stays PID 1). */
public final class Exec {
    private Exec() {}

    private static final int CLOSE_RANGE_CLOEXEC = 1 << 2, SIG_SETMASK = 2;
    private static final MethodHandle CHDIR = Native.errnoCall("chdir", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle CLOSE_RANGE = Native.errnoCall("close_range",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SIGMASK = Native.plainCall("pthread_sigmask", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle EXECVE = Native.errnoCall("execve", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));

    /** chdir(2); the JVM's own idea of the current directory (user.dir) does not change, so give absolute paths after it. */
    public static void chdir(String dir) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            if ((int) CHDIR.invokeExact(cap, a.allocateFrom(dir)) < 0) throw new OsException("chdir", dir, Native.errno(cap));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * execve(2) of program from this thread; returns only by throwing OsException (ENOENT, EACCES,
     * E2BIG...). Every fd from 3 up is marked close-on-exec first (close_range, Linux 5.11), since
     * the JDK opens its jars and files without O_CLOEXEC and the new image must hold none of them;
     * 0, 1 and 2 are kept. The signal mask, which execve keeps, is emptied. The other threads of
     * the JVM end with the exec; call it before anything of banyan's has started.
     */
    public static RuntimeException replace(String program, List<String> argv, List<String> env) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            if ((int) CLOSE_RANGE.invokeExact(cap, 3, -1, CLOSE_RANGE_CLOEXEC) < 0)
                return new OsException("close_range", "3..~0, CLOSE_RANGE_CLOEXEC", Native.errno(cap));
            MemorySegment empty = a.allocate(128); // a sigset_t of nothing
            int rc = (int) SIGMASK.invokeExact(SIG_SETMASK, empty, MemorySegment.NULL);
            if (rc != 0) return new OsException("pthread_sigmask", "SIG_SETMASK", rc);
            rc = (int) EXECVE.invokeExact(cap, a.allocateFrom(program), Native.cStringArray(a, argv), Native.cStringArray(a, env));
            return new OsException("execve", program, Native.errno(cap));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}

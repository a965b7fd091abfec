package banyan.os;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** Signal numbers and names (Linux x86_64), kill and killpg. */
public final class Signals {
    private Signals() {}

    public static final int HUP = 1, INT = 2, QUIT = 3, KILL = 9, USR1 = 10, USR2 = 12, TERM = 15, CONT = 18, STOP = 19, PWR = 30;
    private static final List<String> NAMES = List.of("", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL",
            "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
            "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");

    private static final MethodHandle KILL_CALL = Native.errnoCall("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    /** "TERM", "SIGTERM", "term" or "15" to a number; empty when it names no signal. */
    public static OptionalInt number(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        if (n.startsWith("SIG")) n = n.substring(3);
        int i = NAMES.indexOf(n);
        if (i > 0) return OptionalInt.of(i);
        try {
            int v = Integer.parseInt(n);
            return v > 0 && v < 65 ? OptionalInt.of(v) : OptionalInt.empty();
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /** SIGTERM for 15, SIG34 for real-time signals. */
    public static String name(int signal) {
        return "SIG" + (signal > 0 && signal < NAMES.size() ? NAMES.get(signal) : String.valueOf(signal));
    }

    public static List<String> names() {
        return NAMES.subList(1, NAMES.size());
    }

    /** kill(2); returns false when the process or group no longer exists (ESRCH). */
    public static boolean kill(int pid, int signal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            int rc = (int) KILL_CALL.invokeExact(cap, pid, signal);
            if (rc == 0) return true;
            int e = Native.errno(cap);
            if (e == OsException.ESRCH) return false;
            throw new OsException("kill", "pid " + pid + ", " + name(signal), e);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Made on first use; empty on a libc older than glibc 2.36, where {@link #kill(ProcessId, int)} checks then kills. */
    private static final class Pidfd {
        static final java.util.Optional<MethodHandle> OPEN = Native.LIBC.find("pidfd_open").map(f -> Native.LINKER.downcallHandle(f,
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), java.lang.foreign.Linker.Option.captureCallState("errno")));
        static final java.util.Optional<MethodHandle> SEND = Native.LIBC.find("pidfd_send_signal").map(f -> Native.LINKER.downcallHandle(f,
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), java.lang.foreign.Linker.Option.captureCallState("errno")));
    }

    /**
     * Signals the process p names, and nothing else: false when it is gone or its pid now names
     * another process. A pidfd pins whatever process holds the pid when it is opened; if that one
     * still has p's start time, the signal can only reach p. Left: two processes of one pid started
     * within one clock tick (10 ms), as in the JDK's ProcessHandleImpl.
     */
    public static boolean kill(ProcessId p, int signal) {
        if (Pidfd.OPEN.isEmpty() || Pidfd.SEND.isEmpty()) {
            return Proc.id(p.pid()).filter(p::equals).isPresent() && kill(p.pid(), signal); // the race a pidfd closes stays open here
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            int fd = (int) Pidfd.OPEN.get().invokeExact(cap, p.pid(), 0);
            if (fd < 0) {
                int e = Native.errno(cap);
                if (e == OsException.ESRCH) return false;
                throw new OsException("pidfd_open", "pid " + p.pid(), e);
            }
            try {
                if (Proc.id(p.pid()).filter(p::equals).isEmpty()) return false;
                int rc = (int) Pidfd.SEND.get().invokeExact(cap, fd, signal, MemorySegment.NULL, 0);
                if (rc == 0) return true;
                int e = Native.errno(cap);
                if (e == OsException.ESRCH) return false;
                throw new OsException("pidfd_send_signal", "pid " + p.pid() + ", " + name(signal), e);
            } finally {
                Fd.close(fd);
            }
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** killpg(2) is kill(-pgid). */
    public static boolean killGroup(int pgid, int signal) {
        if (pgid <= 1) throw new IllegalArgumentException("refusing to signal process group " + pgid);
        return kill(-pgid, signal);
    }
}

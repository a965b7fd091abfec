package banyan.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Facts about banyan's own process and its descendants: pid, subreaper, the /proc tree. */
public final class Proc {
    private Proc() {}

    private static final int PR_SET_CHILD_SUBREAPER = 36;

    /** Made on first use, not when Proc loads: every client command asks pid() and nothing else here. */
    private static final class Calls {
        static final MethodHandle PRCTL = Native.errnoCallVariadic("prctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);
        static final MethodHandle GETUID = Native.plainCall("getuid", FunctionDescriptor.of(JAVA_INT));
    }

    public static int pid() {
        return (int) ProcessHandle.current().pid();
    }

    public static int uid() {
        try {
            return (int) Calls.GETUID.invokeExact();
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * Returns the memory that a burst of work (bringing up a stack) left free: a full GC, since the
     * serial collector shrinks the heap only then, and malloc_trim, since glibc keeps freed pages of
     * the JVM's native allocations. A libc without malloc_trim (musl) skips the second step.
     */
    public static void returnFreeMemory() {
        System.gc();
        Trim.HANDLE.ifPresent(h -> {
            try {
                int ignored = (int) h.invokeExact(0L);
            } catch (Throwable t) {
                throw Native.rethrow(t);
            }
        });
    }

    /** Made on first use: a downcall handle costs milliseconds, and `banyan status` also loads Proc. */
    private static final class Trim {
        static final java.util.Optional<MethodHandle> HANDLE = Native.LIBC.find("malloc_trim")
                .map(f -> Native.LINKER.downcallHandle(f, FunctionDescriptor.of(JAVA_INT, JAVA_LONG)));
    }

    /** Orphaned descendants are reparented to us instead of PID 1, so we reap (and can kill) them. */
    public static void becomeSubreaper() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            int rc = (int) Calls.PRCTL.invokeExact(cap, PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L);
            if (rc < 0) throw new OsException("prctl", "PR_SET_CHILD_SUBREAPER", Native.errno(cap));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Every live descendant of root, read from /proc (a snapshot: processes come and go meanwhile). */
    public static List<ProcessId> descendants(int root) {
        Map<Integer, List<ProcStat>> children = new HashMap<>();
        for (ProcStat st : all()) children.computeIfAbsent(st.ppid(), k -> new ArrayList<>()).add(st);
        List<ProcessId> out = new ArrayList<>();
        List<Integer> todo = new ArrayList<>(List.of(root));
        while (!todo.isEmpty()) {
            for (ProcStat c : children.getOrDefault(todo.removeLast(), List.of())) {
                out.add(c.id());
                todo.add(c.pid());
            }
        }
        return out;
    }

    /** Every process of this PID namespace but the kernel's threads and banyan itself (what PID 1 must end at shutdown). */
    public static List<ProcessId> allButKernelThreads() {
        int self = pid();
        List<ProcessId> out = new ArrayList<>();
        for (ProcStat st : all()) if (st.pid() != self && !st.kernelThread()) out.add(st.id());
        return out;
    }

    /** The identity of pid now, or empty when it is gone. */
    public static java.util.Optional<ProcessId> id(int pid) {
        return ProcStat.of(pid).map(ProcStat::id);
    }

    /** The session of pid (each service leads its own), or -1 when pid is gone. */
    public static int sessionOf(int pid) {
        return ProcStat.of(pid).map(ProcStat::session).orElse(-1);
    }

    /** The parent of pid, or -1 when pid is gone. */
    public static int parentOf(int pid) {
        return ProcStat.of(pid).map(ProcStat::ppid).orElse(-1);
    }

    private static List<ProcStat> all() {
        List<ProcStat> out = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path d : dirs) ProcStat.of(Integer.parseInt(d.getFileName().toString())).ifPresent(out::add);
        } catch (IOException e) {
            return out;
        }
        return out;
    }
}

package banyan.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Spawns a process that is born in a given cgroup: clone3 with CLONE_INTO_CGROUP (Linux 5.7+),
 * done by banyan_spawn in libbanyan-spawn.so (src/main/c/banyan-spawn.c), which otherwise does
 * what {@link Spawn}'s posix_spawn does. Being born there saves the migration that writing
 * cgroup.procs makes, and the RCU grace period that a migration after a quiet spell waits for.
 *
 * <p>The library sits beside the exec step named by {@code -Dbanyan.exec}: the same build step
 * makes both. {@code -Dbanyan.cloneIntoCgroup=false} turns this off.
 */
final class CloneIntoCgroup {
    private CloneIntoCgroup() {}

    static final String LIBRARY = "libbanyan-spawn.so";

    /** Step codes of banyan_spawn: the call that failed (index = code). */
    private static final String[] CALLS = {"banyan_spawn", "open", "mmap", "clone3", "setsid", "fcntl", "dup2", "close",
            "close_range", "chdir", "execve", "banyan_spawn", "birth"};
    private static final int ENOSYS = 38, E2BIG = 7, EOPNOTSUPP = 95;

    private static final Optional<MethodHandle> SPAWN = load();

    /** Written by spawning threads when the kernel refuses, read by all: a stale true costs one fallback more. */
    private static volatile boolean enabled = SPAWN.isPresent()
            && Boolean.parseBoolean(System.getProperty("banyan.cloneIntoCgroup", "true"));

    static boolean available() {
        return enabled;
    }

    /** Turns the clone3 path on (when the library loaded) or off; off, callers join cgroups through cgroup.procs. */
    static boolean enable(boolean on) {
        boolean was = enabled;
        enabled = on && SPAWN.isPresent();
        return was;
    }

    private static Optional<MethodHandle> load() {
        String exec = System.getProperty("banyan.exec");
        if (exec == null) return Optional.empty();
        Path lib = Path.of(exec).resolveSibling(LIBRARY);
        if (!Files.isRegularFile(lib)) return Optional.empty();
        try {
            SymbolLookup symbols = SymbolLookup.libraryLookup(lib, Arena.global());
            return symbols.find("banyan_spawn").map(f -> Native.LINKER.downcallHandle(f,
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS)));
        } catch (IllegalArgumentException | IllegalCallerException e) {
            return Optional.empty(); // not loadable here (another architecture, native access denied): spawn the old way
        }
    }

    /**
     * Spawns spec inside spec.cgroup() and returns the pid. Throws {@link Spawn.NoCloneIntoCgroup} when the
     * kernel has no clone3, no CLONE_INTO_CGROUP or no close_range (and stops trying for good),
     * or when this cgroup cannot take processes this way; OsException naming the failed call otherwise.
     *
     * <p>A cgroup that was ever killed through cgroup.kill needs one more step. Kernels with the fix
     * for a race between fork and cgroup.kill (seen on 6.18) count the kills of each cgroup, and a
     * fork compares the count before and after; for CLONE_INTO_CGROUP the kernel reads the count of the
     * spawner's cgroup first and the target's after, so once the two differ every child cloned into the
     * target is SIGKILLed before its first instruction. banyan_spawn notices (the child never started)
     * and this replaces the empty directory by a fresh one of the same name, whose count is zero again.
     * Settings written to the old directory do not carry over: whoever adds some must write them again.
     */
    static int spawn(Spawn.Spec spec) {
        Path cgroup = spec.cgroup().orElseThrow();
        try {
            return spawnOnce(spec, cgroup);
        } catch (KilledAtBirth first) {
            try {
                Files.delete(cgroup);
                Files.createDirectory(cgroup);
            } catch (IOException e) { // still in use (a leftover, a child cgroup): join it another way this time
                throw new Spawn.NoCloneIntoCgroup("clone3(" + cgroup + "): killed at birth, and the directory cannot be renewed: " + e);
            }
            try {
                return spawnOnce(spec, cgroup);
            } catch (KilledAtBirth again) { // so the spawner's own cgroup was killed once: every clone will fail
                enabled = false;
                throw new Spawn.NoCloneIntoCgroup("clone3(" + cgroup + "): killed at birth, twice");
            }
        }
    }

    /** The child died before it ran: see {@link #spawn}. */
    private static final class KilledAtBirth extends RuntimeException {
        KilledAtBirth() {
            super(null, null, false, false);
        }
    }

    private static int spawnOnce(Spawn.Spec spec, Path cgroup) {
        MethodHandle spawn = SPAWN.orElseThrow(() -> new Spawn.NoCloneIntoCgroup(LIBRARY + " is not loaded"));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT, 2L * spec.fds().size());
            int i = 0;
            for (var e : spec.fds().entrySet()) {
                fds.setAtIndex(JAVA_INT, i++, e.getKey());
                fds.setAtIndex(JAVA_INT, i++, e.getValue());
            }
            MemorySegment at = a.allocate(JAVA_INT);
            int rc = (int) spawn.invokeExact(a.allocateFrom(spec.path()), Native.cStringArray(a, spec.argv()), Native.cStringArray(a, spec.env()),
                    spec.cwd().map(a::allocateFrom).orElse(MemorySegment.NULL), fds, spec.fds().size(), a.allocateFrom(cgroup.toString()), at);
            if (rc > 0) return rc;
            int errno = -rc, step = at.get(JAVA_INT, 0);
            String call = step > 0 && step < CALLS.length ? CALLS[step] : CALLS[0];
            if (call.equals("birth")) throw new KilledAtBirth();
            // The kernel lacks it: ENOSYS (before 5.3, or a seccomp filter), E2BIG (5.3-5.6: args too big
            // for it), EINVAL (an unknown flag); close_range came in 5.9. None of that changes while we run.
            if (call.equals("clone3") && (errno == ENOSYS || errno == E2BIG || errno == OsException.EINVAL)
                    || call.equals("close_range") && errno == ENOSYS) {
                enabled = false;
                throw new Spawn.NoCloneIntoCgroup(call + ": " + Native.strerror(errno));
            }
            if (call.equals("clone3") && errno == EOPNOTSUPP) // this cgroup only (threaded): cgroup.procs says why
                throw new Spawn.NoCloneIntoCgroup(call + "(" + cgroup + "): " + Native.strerror(errno));
            throw new OsException(call, switch (call) {
                case "execve" -> spec.path();
                case "chdir" -> spec.cwd().orElse("");
                case "open", "clone3" -> cgroup.toString();
                default -> "";
            }, errno);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}

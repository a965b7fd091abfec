package banyan.os;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * posix_spawn with argv, environment, working directory, an fd map, a new session and a
 * clean signal state. glibc spawns with CLONE_VFORK, so the cost does not grow with the JVM's size.
 * A spawn into a cgroup is done by {@link CloneIntoCgroup} instead, which does the same with clone3.
 */
public final class Spawn {
    private Spawn() {}

    /**
     * What to run. {@code fds} maps a child fd (0, 1, 2, 3...) to a parent fd that is dup2'd onto it;
     * every other fd above the highest mapped one is closed in the child (and, for a spawn into a
     * cgroup, the unmapped ones below it from 3 up). With {@code cgroup}, the directory of a cgroup v2,
     * the process is born in that cgroup; only where {@link #cloneIntoCgroup()} holds.
     */
    public record Spec(String path, List<String> argv, List<String> env, Optional<String> cwd, Map<Integer, Integer> fds,
                       Optional<Path> cgroup, Optional<String> terminal) {
        public Spec {
            argv = List.copyOf(argv);
            env = List.copyOf(env);
            fds = Map.copyOf(fds);
            if (terminal.isPresent() && (cgroup.isPresent() || fds.keySet().stream().anyMatch(fd -> fd <= 2)))
                throw new IllegalArgumentException("a spawn on a terminal has it as fds 0, 1 and 2, and no cgroup");
        }

        public Spec(String path, List<String> argv, List<String> env, Optional<String> cwd, Map<Integer, Integer> fds,
                    Optional<Path> cgroup) {
            this(path, argv, env, cwd, fds, cgroup, Optional.empty());
        }

        /** A process whose stdin, stdout and stderr are the terminal (a pty's slave), which becomes its controlling terminal. */
        public static Spec onTerminal(String path, List<String> argv, List<String> env, Optional<String> cwd, String terminal) {
            return new Spec(path, argv, env, cwd, Map.of(), Optional.empty(), Optional.of(terminal));
        }

        public Spec(String path, List<String> argv, List<String> env, Optional<String> cwd, Map<Integer, Integer> fds) {
            this(path, argv, env, cwd, fds, Optional.empty());
        }
    }

    /**
     * A spawn into a cgroup found, before anything ran, that the kernel cannot create a process
     * inside a cgroup (clone3 or CLONE_INTO_CGROUP missing), or not inside this one. The caller
     * spawns without {@code cgroup} and has the process join it (banyan-exec writes cgroup.procs).
     */
    public static final class NoCloneIntoCgroup extends RuntimeException {
        NoCloneIntoCgroup(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Whether a spawn can be born in a cgroup: libbanyan-spawn.so is loaded, it is not turned off
     * (-Dbanyan.cloneIntoCgroup=false), and the kernel has not refused it yet.
     */
    public static boolean cloneIntoCgroup() {
        return CloneIntoCgroup.available();
    }

    /** Turns spawning into cgroups on (where the library loaded) or off, and says whether it was on. */
    public static boolean cloneIntoCgroup(boolean on) {
        return CloneIntoCgroup.enable(on);
    }

    /** The search path when the environment has no PATH (glibc's and busybox's default for root, sbin included). */
    public static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";

    /**
     * The program as execve needs it: name itself when it has a slash, else the first executable
     * file (not a directory) called name in a directory of path, as execvp searches; empty when none.
     */
    public static Optional<String> resolve(String name, String path) {
        if (name.contains("/")) return Optional.of(name);
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) return Optional.of(p.toString());
        }
        return Optional.empty();
    }

    private static final short SETSIGDEF = 0x04, SETSIGMASK = 0x08, SETSID = 0x80;
    private static final long ATTR_SIZE = 512, ACTIONS_SIZE = 256, SIGSET_SIZE = 128; // >= glibc's sizes

    private static final MethodHandle ACTIONS_INIT = Native.plainCall("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ACTIONS_DESTROY = Native.plainCall("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ADD_DUP2 = Native.plainCall("posix_spawn_file_actions_adddup2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle ADD_OPEN = Native.plainCall("posix_spawn_file_actions_addopen",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle ADD_CHDIR = Native.plainCall("posix_spawn_file_actions_addchdir_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ADD_CLOSEFROM = Native.plainCall("posix_spawn_file_actions_addclosefrom_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle ATTR_INIT = Native.plainCall("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ATTR_DESTROY = Native.plainCall("posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ATTR_FLAGS = Native.plainCall("posix_spawnattr_setflags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
    private static final MethodHandle ATTR_SIGMASK = Native.plainCall("posix_spawnattr_setsigmask", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ATTR_SIGDEF = Native.plainCall("posix_spawnattr_setsigdefault", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SIGEMPTY = Native.plainCall("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SIGFILL = Native.plainCall("sigfillset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle POSIX_SPAWN = Native.plainCall("posix_spawn",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));

    /**
     * Spawns the process and returns its pid. Callers that need the exit status must go through
     * {@link Reaper#spawn}, which registers the pid before the reaper can see it exit. With a
     * cgroup, throws {@link NoCloneIntoCgroup} when the kernel cannot place it there.
     */
    static int spawn(Spec spec) {
        if (spec.cgroup().isPresent()) return CloneIntoCgroup.spawn(spec);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment actions = a.allocate(ACTIONS_SIZE, 16);
            MemorySegment attr = a.allocate(ATTR_SIZE, 16);
            check("posix_spawn_file_actions_init", (int) ACTIONS_INIT.invokeExact(actions));
            check("posix_spawnattr_init", (int) ATTR_INIT.invokeExact(attr));
            try {
                if (spec.terminal().isPresent()) {
                    // opened after setsid (glibc runs the file actions after it) and without O_NOCTTY: it becomes the controlling terminal
                    check("posix_spawn_file_actions_addopen", (int) ADD_OPEN.invokeExact(actions, 0, a.allocateFrom(spec.terminal().get()), 2, 0));
                    check("posix_spawn_file_actions_adddup2", (int) ADD_DUP2.invokeExact(actions, 0, 1));
                    check("posix_spawn_file_actions_adddup2", (int) ADD_DUP2.invokeExact(actions, 0, 2));
                }
                for (var e : spec.fds().entrySet())
                    check("posix_spawn_file_actions_adddup2", (int) ADD_DUP2.invokeExact(actions, (int) e.getValue(), (int) e.getKey()));
                if (spec.cwd().isPresent())
                    check("posix_spawn_file_actions_addchdir_np", (int) ADD_CHDIR.invokeExact(actions, a.allocateFrom(spec.cwd().get())));
                int maxMapped = spec.fds().keySet().stream().mapToInt(Integer::intValue).max().orElse(spec.terminal().isPresent() ? 2 : -1);
                check("posix_spawn_file_actions_addclosefrom_np", (int) ADD_CLOSEFROM.invokeExact(actions, Math.max(3, maxMapped + 1)));

                MemorySegment empty = a.allocate(SIGSET_SIZE, 8);
                MemorySegment all = a.allocate(SIGSET_SIZE, 8);
                int ignored = (int) SIGEMPTY.invokeExact(empty);
                ignored = (int) SIGFILL.invokeExact(all);
                check("posix_spawnattr_setsigmask", (int) ATTR_SIGMASK.invokeExact(attr, empty));
                check("posix_spawnattr_setsigdefault", (int) ATTR_SIGDEF.invokeExact(attr, all));
                check("posix_spawnattr_setflags", (int) ATTR_FLAGS.invokeExact(attr, (short) (SETSIGDEF | SETSIGMASK | SETSID)));

                MemorySegment pid = a.allocate(JAVA_INT);
                int rc = (int) POSIX_SPAWN.invokeExact(pid, a.allocateFrom(spec.path()), actions, attr,
                        Native.cStringArray(a, spec.argv()), Native.cStringArray(a, spec.env()));
                if (rc != 0) throw new OsException("posix_spawn", spec.path(), rc);
                return pid.get(JAVA_INT, 0);
            } finally {
                int ignored = (int) ACTIONS_DESTROY.invokeExact(actions);
                ignored = (int) ATTR_DESTROY.invokeExact(attr);
            }
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    private static void check(String call, int rc) {
        if (rc != 0) throw new OsException(call, "", rc);
    }
}

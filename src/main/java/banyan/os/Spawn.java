package banyan.os;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * posix_spawn with argv, environment, working directory, an fd map, a new session and a
 * clean signal state. glibc spawns with CLONE_VFORK, so the cost does not grow with the JVM's size.
 */
public final class Spawn {
    private Spawn() {}

    /**
     * What to run. {@code fds} maps a child fd (0, 1, 2, 3...) to a parent fd that is dup2'd onto it;
     * every other fd from the lowest unmapped one up is closed in the child.
     */
    public record Spec(String path, List<String> argv, List<String> env, Optional<String> cwd, Map<Integer, Integer> fds) {
        public Spec {
            argv = List.copyOf(argv);
            env = List.copyOf(env);
            fds = Map.copyOf(fds);
        }
    }

    private static final short SETSIGDEF = 0x04, SETSIGMASK = 0x08, SETSID = 0x80;
    private static final long ATTR_SIZE = 512, ACTIONS_SIZE = 256, SIGSET_SIZE = 128; // >= glibc's sizes

    private static final MethodHandle ACTIONS_INIT = Native.plainCall("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ACTIONS_DESTROY = Native.plainCall("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ADD_DUP2 = Native.plainCall("posix_spawn_file_actions_adddup2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
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
     * {@link Reaper#spawn}, which registers the pid before the reaper can see it exit.
     */
    static int spawn(Spec spec) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment actions = a.allocate(ACTIONS_SIZE, 16);
            MemorySegment attr = a.allocate(ATTR_SIZE, 16);
            check("posix_spawn_file_actions_init", (int) ACTIONS_INIT.invokeExact(actions));
            check("posix_spawnattr_init", (int) ATTR_INIT.invokeExact(attr));
            try {
                int lowestFree = 0;
                while (spec.fds().containsKey(lowestFree)) lowestFree++;
                for (var e : spec.fds().entrySet())
                    check("posix_spawn_file_actions_adddup2", (int) ADD_DUP2.invokeExact(actions, (int) e.getValue(), (int) e.getKey()));
                if (spec.cwd().isPresent())
                    check("posix_spawn_file_actions_addchdir_np", (int) ADD_CHDIR.invokeExact(actions, a.allocateFrom(spec.cwd().get())));
                int maxMapped = spec.fds().keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
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

package banyan.roots;

import banyan.os.Fd;
import banyan.os.Reaper;
import banyan.os.Signals;
import banyan.os.Spawn;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The child processes of one root, by job number: spawned through the reaper in sessions of
 * their own (so a kill reaches what they started), stdin on /dev/null, output to the pump.
 * Owned by the root's thread.
 */
final class Children {
    private static final int DEV_NULL = Fd.openReadWrite("/dev/null");

    /** Hears a child's exit on the reaper's thread: it must only hand it over. */
    interface Exits {
        void exited(int job, Reaper.Exit exit);
    }

    /** How a job ended, with the last of its output; and the stage directory to remove now (a discard's unmount). */
    record Finished(String why, Optional<Path> removeAfter) {}

    private record Job(int pid, HelperOutput.Tail output, Optional<Path> removeAfter) {}

    private final Map<Integer, Job> jobs = new HashMap<>();
    private final Consumer<String> log;
    private final Exits exits;
    private final List<String> env = environment();

    Children(Consumer<String> log, Exits exits) {
        this.log = log;
        this.exits = exits;
    }

    /**
     * Spawns argv as job; with logLines its output also goes to the log, line by line.
     *
     * @throws banyan.os.OsException when the spawn fails (nothing runs)
     */
    void spawn(int job, List<String> argv, boolean logLines, Optional<Path> removeAfter) {
        Fd.Pipe out = Fd.pipe(true);
        String program = Path.of(argv.getFirst()).getFileName().toString();
        HelperOutput.Tail tail = HelperOutput.get().watch(out.readEnd(), logLines ? line -> log.accept(program + ": " + line) : null);
        try {
            int pid = Reaper.get().spawn(new Spawn.Spec(argv.getFirst(), argv, env, Optional.empty(),
                    Map.of(0, DEV_NULL, 1, out.writeEnd(), 2, out.writeEnd())), exit -> exits.exited(job, exit));
            jobs.put(job, new Job(pid, tail, removeAfter));
        } finally {
            Fd.close(out.writeEnd()); // only the child holds it now: its end (and its children's) is the pipe's end
        }
    }

    /** SIGKILL to the job's process group, if it still runs. */
    void kill(int job) {
        Job j = jobs.get(job);
        if (j != null) Reaper.get().signalGroup(j.pid(), Signals.KILL);
    }

    /** Empty when job is not one of ours (it ended already). */
    Optional<Finished> ended(int job, Reaper.Exit exit) {
        Job j = jobs.remove(job);
        if (j == null) return Optional.empty();
        String said = j.output().text();
        return Optional.of(new Finished(exit.describe() + (said.isEmpty() ? "" : ": " + said), j.removeAfter()));
    }

    /**
     * The program as execve needs it: searched in PATH when its name has no slash.
     *
     * @throws IllegalArgumentException saying what to do when it is not there
     */
    List<String> resolve(List<String> argv) {
        String name = argv.getFirst();
        if (name.contains("/")) return argv;
        String path = env.stream().filter(v -> v.startsWith("PATH=")).findFirst().map(v -> v.substring(5)).orElse("");
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                List<String> out = new ArrayList<>(argv);
                out.set(0, p.toString());
                return out;
            }
        }
        throw new IllegalArgumentException("program '" + name + "' not found in PATH=" + path + "; install it or give its full path");
    }

    /** banyan's environment, less what its launcher set for the JVM alone, with a PATH. */
    private static List<String> environment() {
        Map<String, String> e = new HashMap<>(System.getenv());
        e.remove("MALLOC_ARENA_MAX");
        for (String name : e.getOrDefault("BANYAN_CORE_SET", "").split(" ")) e.remove(name); // set for the core's JVM alone
        e.remove("BANYAN_CORE_SET");
        e.putIfAbsent("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        return e.entrySet().stream().map(x -> x.getKey() + "=" + x.getValue()).sorted().toList();
    }
}

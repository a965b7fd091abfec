package banyan.init;

import banyan.os.OsException;
import banyan.os.Reaper;
import banyan.os.Reaper.Exit;
import banyan.os.Spawn;
import banyan.os.Signals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * MAIN of a container: started once the boot target is up, with banyan's environment and
 * standard fds, in a session of its own; its exit decides banyan's exit code.
 */
final class MainProcess {
    private final int pid;
    private final CompletableFuture<Exit> exit = new CompletableFuture<>();

    private MainProcess(List<String> argv, Map<String, String> env, Consumer<Exit> onExit) {
        String program = resolve(argv.getFirst(), env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"));
        List<String> envList = new ArrayList<>();
        env.forEach((k, v) -> envList.add(k + "=" + v));
        var spec = new Spawn.Spec(program, argv, envList, Optional.empty(), Map.of(0, 0, 1, 1, 2, 2));
        this.pid = Reaper.get().spawn(spec, x -> {
            exit.complete(x);
            onExit.accept(x);
        });
    }

    /** Starts MAIN; OsException when it cannot (ENOENT: not found, EACCES: not executable). */
    static MainProcess start(List<String> argv, Map<String, String> env, Consumer<Exit> onExit) {
        return new MainProcess(argv, env, onExit);
    }

    int pid() {
        return pid;
    }

    boolean running() {
        return !exit.isDone();
    }

    /** Its whole process group: MAIN leads a session of its own. */
    void signal(int signal) {
        Reaper.get().signalGroup(pid, signal);
    }

    /** SIGTERM and SIGCONT, then SIGKILL after timeout; returns how it ended. */
    Exit stop(java.time.Duration timeout) throws InterruptedException {
        signal(Signals.TERM);
        signal(Signals.CONT);
        try {
            return exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            signal(Signals.KILL);
            try {
                return exit.get();
            } catch (ExecutionException x) {
                throw new IllegalStateException(x);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    static String resolve(String name, String path) {
        if (name.contains("/")) return name;
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) return p.toString();
        }
        return name; // posix_spawn then fails with ENOENT, reported by the caller
    }

    /** The shell's codes for a command that could not run: 127 not found, 126 not executable. */
    static int codeFor(OsException e) {
        return e.errno() == OsException.ENOENT ? 127 : 126;
    }
}

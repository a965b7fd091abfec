package banyan.init;

import banyan.os.OsException;
import banyan.os.Reaper;
import banyan.os.Reaper.Exit;
import banyan.os.Spawn;
import banyan.os.Signals;

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
        // not found: posix_spawn then fails with ENOENT, which the caller reports
        String program = Spawn.resolve(argv.getFirst(), env.getOrDefault("PATH", Spawn.DEFAULT_PATH)).orElse(argv.getFirst());
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

    /** The shell's codes for a command that could not run: 127 not found, 126 not executable. */
    static int codeFor(OsException e) {
        return e.errno() == OsException.ENOENT ? 127 : 126;
    }
}

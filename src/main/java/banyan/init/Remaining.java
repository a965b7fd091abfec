package banyan.init;

import banyan.os.OsException;
import banyan.os.Poll;
import banyan.os.ProcessId;
import banyan.os.Proc;
import banyan.os.Signals;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The processes left once every service is down (stage 4 of init; the end of `banyan up`):
 * SIGTERM and SIGCONT, a wait that ends as soon as they are gone or grace is over, then SIGKILL.
 * Each process is signalled by (pid, start time), so a pid reused meanwhile is never touched.
 */
public final class Remaining {
    private Remaining() {}

    private static final Duration KILL_LIMIT = Duration.ofSeconds(5); // after SIGKILL only D-state sleepers remain

    /**
     * As PID 1, kill(-1) reaches every process of the namespace, those that entered it with
     * setns (parent outside) included; otherwise banyan may only touch its own descendants.
     * A zero grace goes straight to SIGKILL. Says nothing and returns 0 when no process is left;
     * otherwise returns how many there were.
     */
    public static int end(boolean pid1, Duration grace, Consumer<String> log) {
        if (!anyLeft(pid1)) return 0;
        int before = list(pid1).size();
        if (!grace.isZero()) {
            long start = System.nanoTime();
            signalAll(pid1, Signals.TERM);
            signalAll(pid1, Signals.CONT); // a stopped process must run to see its SIGTERM
            if (awaitNone(pid1, grace)) {
                log.accept(before + " remaining process(es) ended on SIGTERM within " + (System.nanoTime() - start) / 1_000_000
                        + "ms; no process left");
                return before;
            }
        }
        int stubborn = list(pid1).size();
        log.accept(stubborn + " process(es) " + (grace.isZero() ? "left" : "outlived the grace time (" + grace.toMillis() + "ms)")
                + ": SIGKILL");
        signalAll(pid1, Signals.KILL);
        if (awaitNone(pid1, KILL_LIMIT)) log.accept("no process left");
        else log.accept(list(pid1) + " survived SIGKILL (uninterruptible sleep?); going on");
        return before;
    }

    /**
     * The processes it is after. As PID 1 that is every process /proc shows but banyan and the
     * kernel's threads (in the machine's first PID namespace only); those that entered the
     * namespace from outside have no parent in it, so they are no descendants of ours.
     */
    static List<ProcessId> list(boolean pid1) {
        return pid1 ? Proc.allButKernelThreads() : Proc.descendants(Proc.pid());
    }

    private static void signalAll(boolean pid1, int signal) {
        if (pid1) {
            kill(-1, signal);
            return;
        }
        for (ProcessId p : Proc.descendants(Proc.pid())) {
            try {
                Signals.kill(p, signal);
            } catch (OsException e) {
                // EPERM: not ours to signal (another user's, as a non-root banyan)
            }
        }
    }

    /**
     * Zombies count as left until the reaper collects them, which it does at once. kill(-1, 0)
     * answers quickly that nothing is left in a container, but on a machine it also reaches the
     * kernel's threads, which are always there: /proc then tells.
     */
    private static boolean anyLeft(boolean pid1) {
        return pid1 ? kill(-1, 0) && !list(true).isEmpty() : !Proc.descendants(Proc.pid()).isEmpty();
    }

    private static boolean kill(int pid, int signal) {
        try {
            return Signals.kill(pid, signal);
        } catch (OsException e) {
            return false; // EPERM: what is left is not ours to signal (another user's, as a non-root init)
        }
    }

    /** The wait ends within 5ms of the last exit. */
    private static boolean awaitNone(boolean pid1, Duration limit) {
        return Poll.until(() -> !anyLeft(pid1), limit, Duration.ofNanos(50_000), Duration.ofMillis(5));
    }
}

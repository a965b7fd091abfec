package banyan.manage;

import banyan.config.ServiceConfig;
import banyan.supervise.ServiceStatus;
import banyan.supervise.Supervisor;

import java.time.Instant;
import java.util.Optional;

/** One service as the stack tracks it. Every field belongs to the stack thread. */
final class Entry extends Vertex {
    Supervisor supervisor;
    ServiceConfig config;                  // its edges; may be newer than the supervisor's own config
    Optional<ServiceConfig> replacement = Optional.empty(); // a reload changed it: swap once the old one is down
    boolean removing;                      // a reload dropped it: close once it is down, unless a later reload brings it back
    private Instant launched;              // a start was sent while the status was this one's; null once it moved
    private Instant stopSent;              // the same for a stop

    Entry(Supervisor s) {
        supervisor = s;
        config = s.config();
    }

    @Override
    void start() {
        pending = false;
        launched = supervisor.status().since();
        supervisor.start();
    }

    @Override
    void stop() {
        if (wanted) pending = true; // stopped for its requirements' sake: it comes back with them
        stopSent = supervisor.status().since();
        supervisor.stop();
    }

    /** Forgets a start or stop that the supervisor has acted on (its status moved since). */
    ServiceStatus observed() {
        ServiceStatus st = supervisor.status();
        if (launched != null && !launched.equals(st.since())) launched = null;
        if (stopSent != null && !stopSent.equals(st.since())) stopSent = null;
        return st;
    }

    boolean startSent() {
        return launched != null;
    }

    boolean stopSent() {
        return stopSent != null;
    }

    /**
     * Down, with no start or stop still on its way: only then may its supervisor be closed. A start
     * in the mailbox of a supervisor that shows "down" spawns a process after the close, which nobody
     * would then stop.
     */
    boolean settledDown() {
        ServiceStatus st = observed();
        return st.state().isDown() && launched == null && stopSent == null;
    }

    @Override
    Transitions.Phase phase() {
        ServiceStatus st = observed();
        // Sent a command but not yet seen to move: stopping (nothing that requires it may start),
        // or starting (nothing counts it as exited).
        return stopSent() ? Transitions.Phase.STOPPING : startSent() ? Transitions.Phase.STARTING : Transitions.Phase.of(st.state());
    }

    @Override
    Transitions.Phase shown() {
        return Transitions.Phase.of(supervisor.status().state());
    }

    @Override
    boolean holding() {
        return swapDue();
    }

    @Override
    long instanceKey() {
        return supervisor.status().restarts(); // not the pid: MAINPID= may change it
    }

    boolean swapDue() {
        return removing || replacement.isPresent();
    }
}

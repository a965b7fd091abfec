package banyan.manage;

import banyan.config.ServiceConfig;
import banyan.supervise.ServiceStatus;
import banyan.supervise.Supervisor;

import java.time.Instant;
import java.util.Optional;

/** One service as the stack tracks it. Every field belongs to the stack thread. */
final class Entry {
    Supervisor supervisor;
    ServiceConfig config;                  // its edges; may be newer than the supervisor's own config
    boolean wanted, pending;
    Optional<ServiceConfig> replacement = Optional.empty(); // a reload changed it: swap once the old one is down
    boolean removing;                      // a reload dropped it: close once it is down, unless a later reload brings it back
    private Instant launched;              // a start was sent while the status was this one's; null once it moved
    private Instant stopSent;              // the same for a stop
    long instance = -1, seenPass;          // its running instance (by restarts) and the pass that first saw it
    long readyInstance = -1, readyPass;    // the same, once that instance was ready

    Entry(Supervisor s) {
        supervisor = s;
        config = s.config();
    }

    void start() {
        pending = false;
        launched = supervisor.status().since();
        supervisor.start();
    }

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
        return Stack.isDown(st) && launched == null && stopSent == null;
    }

    /** Notes the pass in which its current instance was first seen, and first seen ready (Stack.observe). */
    void observe(long pass) {
        ServiceStatus st = supervisor.status();
        Transitions.Phase p = Transitions.Phase.of(st.state());
        long key = p == Transitions.Phase.STARTING || p == Transitions.Phase.READY ? st.restarts() : -1; // not the pid: MAINPID= may change it
        if (key != instance) {
            instance = key;
            seenPass = pass;
        }
        if (p != Transitions.Phase.READY) readyInstance = -1;
        else if (key != readyInstance) {
            readyInstance = key;
            readyPass = pass;
        }
    }

    boolean swapDue() {
        return removing || replacement.isPresent();
    }
}

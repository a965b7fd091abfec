package banyan.manage;

import banyan.supervise.Supervisor;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Supervisors closed for a reload, kept until their threads end. A start still in one's mailbox
 * (a restart of its own, a backoff running out) can spawn after the close, once the stack has
 * seen it down: the stack stops whatever it sees running here, so no process outlives its owner.
 */
final class Retired {
    private final List<Supervisor> closed = new CopyOnWriteArrayList<>(); // added on the stack thread, read anywhere

    /** s is closed; it leaves the list once its thread has ended down. */
    void add(Supervisor s) {
        closed.add(s);
        Thread.ofVirtual().name("retired-" + s.name()).start(() -> {
            do s.awaitClosed(); while (!s.status().state().isDown());
            closed.remove(s);
        });
    }

    /** On the stack thread, at each decision. */
    void stopWhatRuns() {
        for (Supervisor s : closed) {
            Transitions.Phase p = Transitions.Phase.of(s.status().state());
            if (p == Transitions.Phase.STARTING || p == Transitions.Phase.READY) s.stop();
        }
    }

    /** SIGKILL to all it runs; stopped first, so that the supervisor does not restart what is killed. */
    static void kill(Supervisor s) {
        s.stop();
        s.killNow();
    }

    void killNow() {
        closed.forEach(Retired::kill);
    }

    boolean allDown() {
        return closed.stream().allMatch(s -> s.status().state().isDown());
    }

    void awaitClosed() {
        closed.forEach(Supervisor::awaitClosed);
    }
}

package banyan.manage;

import banyan.config.RootConfig;
import banyan.manage.Transitions.Phase;
import banyan.roots.RootState;
import banyan.roots.RootStatus;
import banyan.roots.RootSupervisor;

import java.time.Instant;
import java.util.Optional;

/**
 * A root as a node of the graph: wanted while a wanted service lives on it, started when it is
 * down, released once everything on it is down. Every field belongs to the stack thread, except
 * the supervisor's own status.
 */
final class RootNode extends Vertex {
    /** The name of a root in the graph; a colon is never part of a service's name. */
    static String key(String root) {
        return "root:" + root;
    }

    /** A service's edges, with the root it lives on as a requirement. */
    static banyan.config.Dependencies edges(banyan.config.ServiceConfig s) {
        if (s.root().isEmpty()) return s.deps();
        java.util.List<String> requires = new java.util.ArrayList<>(s.deps().requires());
        requires.add(key(s.root().get().root()));
        return new banyan.config.Dependencies(requires, s.deps().wants(), s.deps().after());
    }

    final String name;
    final Optional<RootSupervisor> supervisor;   // empty: roots cannot be had in this banyan (said in the status)
    private final RootStatus unavailable;
    RootConfig config;
    Optional<Optional<String>> reroot = Optional.empty(); // a reroot asked for: the services stop first, then the switch
    boolean released;                                     // the stack released it (stop or reroot): not a loss
    Optional<RootConfig> replacement = Optional.empty();  // a reload changed it: what is on it stops, it is released, then replaced
    boolean removing;                                     // a reload dropped it: released once nothing runs on it, then forgotten
    private RootStatus startSent, stopSent;               // the status when a command was sent; null once it moved
    private long ups;                                     // how many times it was seen up: its instance key
    private Instant upSince;

    RootNode(RootConfig config, Optional<RootSupervisor> supervisor, String whyNot) {
        this.name = config.name();
        this.config = config;
        this.supervisor = supervisor;
        this.unavailable = new RootStatus(name, RootState.FAILED, Optional.empty(), Instant.now(), 0, whyNot);
    }

    RootStatus status() {
        return supervisor.map(RootSupervisor::status).orElse(unavailable);
    }

    private volatile double acquireSeconds = -1;           // written on the root's thread

    void heard(RootStatus before, RootStatus now) {
        if (now.up() && before.state() == RootState.ACQUIRING)
            acquireSeconds = java.time.Duration.between(before.since(), now.since()).toNanos() / 1e9;
    }

    double acquireSeconds() {
        return acquireSeconds;
    }

    static Phase phaseOf(RootStatus s) {
        return switch (s.state()) {
            case UP -> Phase.READY;
            case ACQUIRING -> Phase.STARTING;
            case LOST, RELEASING -> Phase.STOPPING;
            case FAILED -> Phase.FAILED;
            case DOWN -> Phase.DOWN;
        };
    }

    @Override
    Phase shown() {
        return phaseOf(status());
    }

    @Override
    Phase phase() {
        RootStatus st = status();
        if (startSent != null && startSent != st) startSent = null;
        if (stopSent != null && stopSent != st) stopSent = null;
        return stopSent != null ? Phase.STOPPING : startSent != null ? Phase.STARTING : phaseOf(st);
    }

    @Override
    boolean holding() {
        return reroot.isPresent() || replacement.isPresent();
    }

    /** Due to be replaced or forgotten (RootSet.swap), once down. */
    boolean swapDue() {
        return replacement.isPresent() || removing;
    }

    /** Owed a start only while down: a failed root tries its sources again by itself. */
    void refresh(boolean wanted) {
        this.wanted = wanted;
        this.pending = wanted && status().state() == RootState.DOWN;
        if (status().up() || status().state() == RootState.DOWN) released = false;
    }

    @Override
    void start() {
        if (supervisor.isEmpty()) return;
        startSent = status();
        supervisor.get().start();
    }

    /** A release: for a reroot, the switch to the source asked for; otherwise down. */
    @Override
    void stop() {
        if (supervisor.isEmpty()) return;
        stopSent = status();
        released = true;
        if (swapDue()) reroot = Optional.empty(); // a reload replaces it, or drops it: no switch
        if (reroot.isPresent()) {
            supervisor.get().reroot(reroot.get());
            reroot = Optional.empty();
        } else supervisor.get().stop();
    }

    /** Stack thread: a root that serves (or is being acquired) waits for what lives on it to stop; any other switches now. */
    void askReroot(Optional<String> source) {
        Phase p = phase();
        if (p == Phase.STARTING || p == Phase.READY) reroot = Optional.of(source); // the graph stops what is on it, then stop() switches
        else supervisor.ifPresent(s -> {
            released = true;
            s.reroot(source);
        });
    }

    @Override
    long instanceKey() {
        RootStatus st = status();
        if (st.up() && !st.since().equals(upSince)) {
            upSince = st.since();
            ups++;
        }
        return ups;
    }
}

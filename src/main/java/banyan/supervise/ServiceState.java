package banyan.supervise;

import java.util.Optional;

/**
 * What a service is doing. The wire name is what JSON, metrics and the console show
 * (design.md section 4), and also what {@link #toString} gives. Callers ask one of the three
 * predicates below, or compare with a constant; never a word.
 */
public enum ServiceState {
    DOWN("down"), STARTING("starting"), UP("up"), STOPPING("stopping"), BACKOFF("backoff"), FAILED("failed"),
    /** A oneshot that finished (exited 0). */
    DONE("done");

    private final String wire;

    ServiceState(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    /** The state of a wire name; empty for a word that is none (a newer server's, a typo). */
    public static Optional<ServiceState> parse(String wire) {
        for (ServiceState s : values()) if (s.wire.equals(wire)) return Optional.of(s);
        return Optional.empty();
    }

    /**
     * Stopped: no process runs and none starts until someone asks (down, failed). What waits for a
     * service to be gone waits for this: the stack before it ends or replaces a supervisor, a
     * logger's run before its pipe closes. A finished oneshot (done) is not down: it counts as
     * up for what requires it, and stopping it may still run its stop_command.
     */
    public boolean isDown() {
        return this == DOWN || this == FAILED;
    }

    /**
     * At an outcome: nothing changes until a request arrives or a process dies (down, up,
     * failed, done). Starting, stopping and backoff move on by themselves, at an event or a
     * deadline, so whoever wants an answer waits through them.
     */
    public boolean isSettled() {
        return this == DOWN || this == UP || this == FAILED || this == DONE;
    }

    /**
     * A process of the service may be alive (starting, up, stopping): it must be stopped, and its
     * end seen, before the supervisor may end. In backoff, down, failed and done none is.
     */
    public boolean isRunning() {
        return this == STARTING || this == UP || this == STOPPING;
    }

    @Override
    public String toString() {
        return wire;
    }
}

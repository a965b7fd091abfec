package banyan.supervise;

import banyan.config.RestartPolicy;
import banyan.os.Reaper.Exit;
import banyan.os.Signals;

import java.util.List;
import java.util.Optional;

/**
 * A service's lifecycle: states × events → next state and effects, in one switch. Pure: no
 * processes, no clock, no randomness of its own, so its tests are tables. The supervisor's
 * loop carries out the effects.
 */
final class Lifecycle {
    private Lifecycle() {}

    sealed interface State {
        /** The one deadline of this state (Long.MAX_VALUE: none); when it passes, the loop sends Timeout. */
        default long deadline() {
            return Long.MAX_VALUE;
        }
    }

    record Down() implements State {}

    /** Spawned (pid > 0) or being spawned (pid 0), not yet ready. */
    record Starting(int pid, long since, long readyBy) implements State {
        @Override
        public long deadline() {
            return readyBy;
        }
    }

    record Up(int pid, long since) implements State {}

    /**
     * Waiting for pid to exit (pid 0: a stop_command being spawned).
     *
     * @param failedStart it was stopped for not getting ready in time: its exit counts as a failed start
     */
    record Stopping(int pid, long killAt, boolean restartAfter, boolean failedStart) implements State {
        Stopping(int pid, long killAt, boolean restartAfter) {
            this(pid, killAt, restartAfter, false);
        }

        @Override
        public long deadline() {
            return killAt;
        }
    }

    record Backoff(long until) implements State {
        @Override
        public long deadline() {
            return until;
        }
    }

    record Failed(String reason) implements State {}

    /** A oneshot whose command exited 0. */
    record Done(long since) implements State {}

    sealed interface Event {}

    record Start() implements Event {}

    record Stop() implements Event {}

    record Restart() implements Event {}

    record Spawned(int pid) implements Event {}

    record SpawnFailed(String reason) implements Event {}

    record Exited(Exit exit) implements Event {}

    /** The instance with this pid (0: whichever runs now) reported ready. */
    record Ready(int pid) implements Event {}

    /** The instance with this pid failed its liveness probe or watchdog: restart it. */
    record Unhealthy(int pid, String reason) implements Event {}

    /** sd_notify MAINPID=: the service's main process is now pid (a daemon that forked). */
    record MainPid(int pid) implements Event {}

    /** sd_notify EXTEND_TIMEOUT_USEC=: the current start or stop deadline is at least this far away. */
    record Extend(long nanos) implements Event {}

    record Timeout() implements Event {}

    /**
     * Let the running instance end by itself, without a signal, and do not restart it (a logger
     * whose input ended: it writes what it read, then exits); SIGKILL after grace.
     */
    record Finish(long graceNanos) implements Event {}

    record Deliver(int signal) implements Event {}

    sealed interface Effect {}

    record Spawn() implements Effect {}

    /** A signal to the service's process group. */
    record Signal(int signal) implements Effect {}

    /** SIGKILL to the group and the cgroup: the stop timeout expired. */
    record KillAll() implements Effect {}

    /** The main process is gone: kill what it left in its group and cgroup before anything new starts. */
    record CleanUp() implements Effect {}

    /** Spawn a oneshot's stop_command; its pid arrives as Spawned. */
    record RunStopCommand() implements Effect {}

    /**
     * What the supervisor remembers between events.
     *
     * @param restarts how many times the service was started again after a death or restart request
     */
    record Memory(State state, Restarts policy, int restarts, Optional<Exit> lastExit, String reason) {
        Memory with(State s) {
            return new Memory(s, policy, restarts, lastExit, reason);
        }

        Memory because(String why) {
            return new Memory(state, policy, restarts, lastExit, why);
        }
    }

    /** The fixed rules of one service, from its config. */
    record Rules(RestartPolicy policy, int stopSignal, long stopTimeoutNanos, long startTimeoutNanos, boolean awaitsReady,
                 boolean oneshot, boolean hasStopCommand) {
        Rules(RestartPolicy policy, int stopSignal, long stopTimeoutNanos, long startTimeoutNanos, boolean awaitsReady) {
            this(policy, stopSignal, stopTimeoutNanos, startTimeoutNanos, awaitsReady, false, false);
        }
    }

    record Step(Memory memory, List<Effect> effects) {}

    static Memory initial(Rules r) {
        return new Memory(new Down(), Restarts.fresh(r.policy()), 0, Optional.empty(), "");
    }

    static Step next(Rules r, Memory m, Event e, long now, double jitter) {
        return switch (m.state()) {
            case Down d -> e instanceof Start ? spawn(r, m.because("start requested"), now) : stay(m);
            case Failed f -> e instanceof Start
                    ? spawn(r, new Memory(new Down(), Restarts.fresh(r.policy()), m.restarts(), m.lastExit(), "start requested"), now)
                    : stay(m);
            case Backoff b -> switch (e) {
                case Start s -> spawn(r, m.because("start requested"), now);
                case Timeout t -> spawn(r, m, now);
                case Stop s -> step(m.with(new Down()).because("stop requested"));
                case Finish f -> step(m.with(new Down()).because("input ended"));
                default -> stay(m);
            };
            case Starting s -> switch (e) {
                case Spawned p -> step(m.with(r.awaitsReady() ? new Starting(p.pid(), now, plus(now, r.startTimeoutNanos())) : new Up(p.pid(), now)));
                case SpawnFailed f -> died(r, m.because(f.reason()), now, now + 1, now, jitter); // never ran: always a quick death
                case Ready x -> s.pid() > 0 && !r.oneshot() && (x.pid() == 0 || x.pid() == s.pid()) ? step(m.with(new Up(s.pid(), s.since()))) : stay(m);
                case Exited x when x.exit().pid() == s.pid() && r.oneshot() && x.exit().success() ->
                        step(new Memory(new Done(now), m.policy(), m.restarts(), Optional.of(x.exit()), "finished"), new CleanUp());
                case Exited x -> x.exit().pid() == s.pid()
                        ? died(r, new Memory(s, m.policy(), m.restarts(), Optional.of(x.exit()), x.exit().describe()), now, s.since(), now, jitter)
                        : stay(m);
                case Timeout t -> step(m.with(new Stopping(s.pid(), plus(now, r.stopTimeoutNanos()), false, true))
                        .because((r.oneshot() ? "not finished" : "not ready") + " within start_timeout"),
                        new Signal(r.stopSignal()), new Signal(Signals.CONT));
                case MainPid x -> s.pid() > 0 ? step(m.with(new Starting(x.pid(), s.since(), s.readyBy()))) : stay(m);
                case Extend x -> step(m.with(new Starting(s.pid(), s.since(), Math.max(s.readyBy(), plus(now, x.nanos())))));
                case Unhealthy x -> stay(m);
                case Stop x -> stopping(r, m.because("stop requested"), s.pid(), now, false);
                case Restart x -> stopping(r, m.because("restart requested"), s.pid(), now, true);
                case Finish f -> s.pid() > 0
                        ? step(m.with(new Stopping(s.pid(), plus(now, f.graceNanos()), false)).because("input ended")) : stay(m);
                case Deliver x -> step(m, new Signal(x.signal()));
                case Start x -> stay(m);
            };
            case Up u -> switch (e) {
                case Exited x -> x.exit().pid() == u.pid()
                        ? died(r, new Memory(u, m.policy(), m.restarts(), Optional.of(x.exit()), x.exit().describe()), now, u.since(), now, jitter)
                        : stay(m);
                case Stop x -> stopping(r, m.because("stop requested"), u.pid(), now, false);
                case Restart x -> stopping(r, m.because("restart requested"), u.pid(), now, true);
                case Finish f -> step(m.with(new Stopping(u.pid(), plus(now, f.graceNanos()), false)).because("input ended"));
                case Unhealthy x when x.pid() == u.pid() -> stopping(r, m.because(x.reason()), u.pid(), now, true);
                case MainPid x -> step(m.with(new Up(x.pid(), u.since())));
                case Deliver x -> step(m, new Signal(x.signal()));
                default -> stay(m);
            };
            case Done d -> switch (e) {
                case Stop x when r.hasStopCommand() -> step(m.with(new Stopping(0, plus(now, r.stopTimeoutNanos()), false))
                        .because("stop requested: running stop_command"), new RunStopCommand());
                case Stop x -> step(m.with(new Down()).because("stop requested"));
                case Restart x -> step(new Memory(new Starting(0, now, Long.MAX_VALUE), m.policy(), m.restarts() + 1, m.lastExit(), "restart requested"), new Spawn());
                default -> stay(m);
            };
            case Stopping st -> switch (e) {
                case Spawned p when st.pid() == 0 -> step(m.with(new Stopping(p.pid(), st.killAt(), st.restartAfter(), st.failedStart())));
                case SpawnFailed f when st.pid() == 0 -> step(m.with(new Down()).because("stop_command: " + f.reason()));
                case Exited x when x.exit().pid() == st.pid() && st.failedStart() ->
                        died(r, new Memory(st, m.policy(), m.restarts(), Optional.of(x.exit()), m.reason()), now, now, now, jitter);
                case Exited x when x.exit().pid() == st.pid() -> {
                    Memory gone = new Memory(st, m.policy(), m.restarts(), Optional.of(x.exit()), m.reason());
                    if (!st.restartAfter()) yield step(gone.with(new Down()), new CleanUp());
                    yield step(new Memory(new Starting(0, now, Long.MAX_VALUE), m.policy(), m.restarts() + 1, gone.lastExit(), m.reason()),
                            new CleanUp(), new Spawn());
                }
                case Timeout t -> step(m.with(new Stopping(st.pid(), Long.MAX_VALUE, st.restartAfter(), st.failedStart()))
                        .because("stop_timeout expired: SIGKILL"), new KillAll());
                case Start x -> step(m.with(new Stopping(st.pid(), st.killAt(), true, false)));
                case Stop x -> step(m.with(new Stopping(st.pid(), st.killAt(), false, false)));
                case Extend x -> step(m.with(new Stopping(st.pid(), Math.max(st.killAt(), plus(now, x.nanos())), st.restartAfter(), st.failedStart())));
                case Deliver x -> step(m, new Signal(x.signal()));
                default -> stay(m);
            };
        };
    }

    private static Step spawn(Rules r, Memory m, long now) {
        return step(m.with(new Starting(0, now, Long.MAX_VALUE)), new Spawn());
    }

    private static Step stopping(Rules r, Memory m, int pid, long now, boolean restartAfter) {
        return step(m.with(new Stopping(pid, plus(now, r.stopTimeoutNanos()), restartAfter)),
                new Signal(r.stopSignal()), new Signal(Signals.CONT)); // CONT: a stopped process must see its TERM
    }

    /** The main process died (or never started): clean up, then restart per policy. */
    private static Step died(Rules r, Memory m, long now, long since, long at, double jitter) {
        boolean failure = m.lastExit().map(x -> !x.success()).orElse(true) || m.state() instanceof Starting s && s.pid() == 0;
        RestartPolicy p = r.policy();
        boolean restart = switch (p.mode()) {
            case ALWAYS -> true;
            case ON_FAILURE -> failure;
            case NEVER -> false;
        };
        if (!restart)
            return step(m.with(failure ? new Failed(m.reason()) : new Down()), new CleanUp());
        Restarts.Decision d = m.policy().afterDeath(p, now, now - since, jitter);
        Memory next = new Memory(m.state(), d.memory(), m.restarts(), m.lastExit(), m.reason());
        return switch (d) {
            case Restarts.Now n -> {
                Memory counted = new Memory(new Starting(0, now, Long.MAX_VALUE), d.memory(), m.restarts() + 1, m.lastExit(), m.reason());
                yield step(counted, new CleanUp(), new Spawn());
            }
            case Restarts.After a -> step(new Memory(new Backoff(now + a.delayNanos()), d.memory(), m.restarts() + 1, m.lastExit(), m.reason()), new CleanUp());
            case Restarts.GiveUp g -> step(next.with(new Failed(g.reason())).because(g.reason()), new CleanUp());
        };
    }

    /** now + nanos, saturating: "no deadline" is Long.MAX_VALUE and must stay so. */
    static long plus(long now, long nanos) {
        long sum = now + nanos;
        return ((now ^ sum) & (nanos ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    private static Step stay(Memory m) {
        return new Step(m, List.of());
    }

    private static Step step(Memory m, Effect... effects) {
        return new Step(m, List.of(effects));
    }

    /** The state as status and the API show it. */
    static ServiceState stateOf(State s) {
        return switch (s) {
            case Down d -> ServiceState.DOWN;
            case Starting x -> ServiceState.STARTING;
            case Up u -> ServiceState.UP;
            case Stopping x -> ServiceState.STOPPING;
            case Backoff b -> ServiceState.BACKOFF;
            case Failed f -> ServiceState.FAILED;
            case Done d -> ServiceState.DONE;
        };
    }
}

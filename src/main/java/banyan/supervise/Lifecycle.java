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

    record Stopping(int pid, long killAt, boolean restartAfter) implements State {
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

    sealed interface Event {}

    record Start() implements Event {}

    record Stop() implements Event {}

    record Restart() implements Event {}

    record Spawned(int pid) implements Event {}

    record SpawnFailed(String reason) implements Event {}

    record Exited(Exit exit) implements Event {}

    record Ready() implements Event {}

    record Timeout() implements Event {}

    record Deliver(int signal) implements Event {}

    sealed interface Effect {}

    record Spawn() implements Effect {}

    /** A signal to the service's process group. */
    record Signal(int signal) implements Effect {}

    /** SIGKILL to the group and the cgroup: the stop timeout expired. */
    record KillAll() implements Effect {}

    /** The main process is gone: kill what it left in its group and cgroup before anything new starts. */
    record CleanUp() implements Effect {}

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
    record Rules(RestartPolicy policy, int stopSignal, long stopTimeoutNanos, long startTimeoutNanos, boolean awaitsReady) {}

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
                default -> stay(m);
            };
            case Starting s -> switch (e) {
                case Spawned p -> step(m.with(r.awaitsReady() ? new Starting(p.pid(), now, now + r.startTimeoutNanos()) : new Up(p.pid(), now)));
                case SpawnFailed f -> died(r, m.because(f.reason()), now, now + 1, now, jitter); // never ran: always a quick death
                case Ready x -> s.pid() > 0 ? step(m.with(new Up(s.pid(), s.since()))) : stay(m);
                case Exited x -> x.exit().pid() == s.pid()
                        ? died(r, new Memory(s, m.policy(), m.restarts(), Optional.of(x.exit()), x.exit().describe()), now, s.since(), now, jitter)
                        : stay(m);
                case Timeout t -> stopping(r, m.because("not ready within start timeout"), s.pid(), now, false);
                case Stop x -> stopping(r, m.because("stop requested"), s.pid(), now, false);
                case Restart x -> stopping(r, m.because("restart requested"), s.pid(), now, true);
                case Deliver x -> step(m, new Signal(x.signal()));
                case Start x -> stay(m);
            };
            case Up u -> switch (e) {
                case Exited x -> x.exit().pid() == u.pid()
                        ? died(r, new Memory(u, m.policy(), m.restarts(), Optional.of(x.exit()), x.exit().describe()), now, u.since(), now, jitter)
                        : stay(m);
                case Stop x -> stopping(r, m.because("stop requested"), u.pid(), now, false);
                case Restart x -> stopping(r, m.because("restart requested"), u.pid(), now, true);
                case Deliver x -> step(m, new Signal(x.signal()));
                default -> stay(m);
            };
            case Stopping st -> switch (e) {
                case Exited x when x.exit().pid() == st.pid() -> {
                    Memory gone = new Memory(st, m.policy(), m.restarts(), Optional.of(x.exit()), m.reason());
                    if (!st.restartAfter()) yield step(gone.with(new Down()), new CleanUp());
                    yield step(new Memory(new Starting(0, now, Long.MAX_VALUE), m.policy(), m.restarts() + 1, gone.lastExit(), m.reason()),
                            new CleanUp(), new Spawn());
                }
                case Timeout t -> step(m.with(new Stopping(st.pid(), Long.MAX_VALUE, st.restartAfter()))
                        .because("stop_timeout expired: SIGKILL"), new KillAll());
                case Start x -> step(m.with(new Stopping(st.pid(), st.killAt(), true)));
                case Stop x -> step(m.with(new Stopping(st.pid(), st.killAt(), false)));
                case Deliver x -> step(m, new Signal(x.signal()));
                default -> stay(m);
            };
        };
    }

    private static Step spawn(Rules r, Memory m, long now) {
        return step(m.with(new Starting(0, now, Long.MAX_VALUE)), new Spawn());
    }

    private static Step stopping(Rules r, Memory m, int pid, long now, boolean restartAfter) {
        return step(m.with(new Stopping(pid, now + r.stopTimeoutNanos(), restartAfter)),
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

    private static Step stay(Memory m) {
        return new Step(m, List.of());
    }

    private static Step step(Memory m, Effect... effects) {
        return new Step(m, List.of(effects));
    }

    /** The state's name as the API and status show it (design.md section 4). */
    static String name(State s) {
        return switch (s) {
            case Down d -> "down";
            case Starting x -> "starting";
            case Up u -> "up";
            case Stopping x -> "stopping";
            case Backoff b -> "backoff";
            case Failed f -> "failed";
        };
    }
}

package banyan.supervise;

import banyan.config.Durations;
import banyan.config.RestartPolicy;
import banyan.os.Reaper.Exit;
import banyan.os.Signals;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A service's lifecycle: states × events → next state and effects. One method per state, each an
 * exhaustive switch over the events, so every (state, event) cell is written down, the ignored
 * ones too, and the compiler refuses a new state or event until each cell is decided, as
 * s6-supervise's action table does. Whether and when a dead service runs again is the
 * {@link Restarts} verdict. Pure: no processes, no clock, no randomness of its own, so its tests
 * are tables. The supervisor's loop carries out the effects.
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

    /**
     * The spawn did not happen.
     *
     * @param temporary for a passing shortage (processes, memory, fds), not for a reason that
     *                  stays (a missing program, a permission): trying again later may work
     */
    record SpawnFailed(String reason, boolean temporary) implements Event {
        SpawnFailed(String reason) {
            this(reason, false);
        }
    }

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
     * @param history  what the restart verdict needs of past deaths
     * @param restarts how many times the service was started again after a death or restart request
     */
    record Memory(State state, Restarts.History history, int restarts, Optional<Exit> lastExit, String reason) {
        Memory with(State s) {
            return new Memory(s, history, restarts, lastExit, reason);
        }

        Memory because(String why) {
            return new Memory(state, history, restarts, lastExit, why);
        }

        /** The instance ended with x; why is the reason the next state shows. */
        Memory exited(Exit x, String why) {
            return new Memory(state, history, restarts, Optional.of(x), why);
        }

        /** Started again, after a death or a restart request: one restart more. */
        Memory again(State s, Restarts.History h) {
            return new Memory(s, h, restarts + 1, lastExit, reason);
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

    /** The uptime of an instance that never ran: shorter than any min_uptime, even zero. */
    private static final long NEVER_RAN = -1;

    static Memory initial(Rules r) {
        return new Memory(new Down(), Restarts.History.fresh(r.policy()), 0, Optional.empty(), "");
    }

    static Step next(Rules r, Memory m, Event e, long now, double jitter) {
        return switch (m.state()) {
            case Down d -> down(m, e, now);
            case Failed f -> failed(r, m, e, now);
            case Backoff b -> backoff(m, e, now);
            case Starting s -> starting(r, m, s, e, now, jitter);
            case Up u -> up(r, m, u, e, now, jitter);
            case Stopping s -> stopping(r, m, s, e, now, jitter);
            case Done d -> done(r, m, e, now);
        };
    }

    private static Step down(Memory m, Event e, long now) {
        return switch (e) {
            case Start _ -> spawn(m.because("start requested"), now);
            // Nothing runs: nothing to stop, restart, signal or end, no deadline; events of an instance that is gone.
            case Stop _, Restart _, Deliver _, Finish _, Timeout _, Spawned _, SpawnFailed _, Exited _, Ready _, Unhealthy _,
                 MainPid _, Extend _ -> stay(m);
        };
    }

    private static Step failed(Rules r, Memory m, Event e, long now) {
        return switch (e) {
            case Start _ -> spawn(new Memory(new Down(), Restarts.History.fresh(r.policy()), m.restarts(), m.lastExit(),
                    "start requested"), now); // given up on, until asked: then with a clean slate
            // As in down: only a start request takes it out.
            case Stop _, Restart _, Deliver _, Finish _, Timeout _, Spawned _, SpawnFailed _, Exited _, Ready _, Unhealthy _,
                 MainPid _, Extend _ -> stay(m);
        };
    }

    private static Step backoff(Memory m, Event e, long now) {
        return switch (e) {
            case Start _ -> spawn(m.because("start requested"), now); // at once, without waiting out the delay
            case Timeout _ -> spawn(m, now);
            case Stop _ -> step(m.with(new Down()).because("stop requested"));
            case Finish _ -> step(m.with(new Down()).because("input ended"));
            // No instance: a restart is the spawn already due, a signal reaches no one; events of the dead instance.
            case Restart _, Deliver _, Spawned _, SpawnFailed _, Exited _, Ready _, Unhealthy _, MainPid _, Extend _ -> stay(m);
        };
    }

    private static Step starting(Rules r, Memory m, Starting s, Event e, long now, double jitter) {
        return switch (e) {
            case Spawned p -> step(m.with(r.awaitsReady() ? new Starting(p.pid(), now, plus(now, r.startTimeoutNanos())) : new Up(p.pid(), now)));
            case SpawnFailed f when f.temporary() -> {
                Restarts.After retry = Restarts.afterShortage(m.history());
                yield step(m.again(new Backoff(now + retry.delayNanos()), retry.history()).because(f.reason()
                        + "; a passing shortage: trying again in " + Durations.format(Duration.ofNanos(retry.delayNanos()))), new CleanUp());
            }
            case SpawnFailed f -> died(r, m.because(f.reason()), true, now, NEVER_RAN, jitter);
            case Ready x when s.pid() > 0 && !r.oneshot() && (x.pid() == 0 || x.pid() == s.pid()) -> step(m.with(new Up(s.pid(), s.since())));
            case Exited x when x.exit().pid() == s.pid() && r.oneshot() && x.exit().success() ->
                    step(m.exited(x.exit(), "finished").with(new Done(now)), new CleanUp());
            case Exited x when x.exit().pid() == s.pid() ->
                    died(r, m.exited(x.exit(), x.exit().describe()), !x.exit().success(), now, now - s.since(), jitter);
            case Timeout _ -> step(m.with(new Stopping(s.pid(), plus(now, r.stopTimeoutNanos()), false, true))
                    .because((r.oneshot() ? "not finished" : "not ready") + " within start_timeout"),
                    new Signal(r.stopSignal()), new Signal(Signals.CONT));
            case MainPid x when s.pid() > 0 -> step(m.with(new Starting(x.pid(), s.since(), s.readyBy())));
            case Extend x -> step(m.with(new Starting(s.pid(), s.since(), Math.max(s.readyBy(), plus(now, x.nanos())))));
            case Stop _ -> stopping(r, m.because("stop requested"), s.pid(), now, false);
            case Restart _ -> stopping(r, m.because("restart requested"), s.pid(), now, true);
            case Finish f when s.pid() > 0 -> step(m.with(new Stopping(s.pid(), plus(now, f.graceNanos()), false)).because("input ended"));
            case Deliver x -> step(m, new Signal(x.signal()));
            // Already starting; readiness, a main pid or an end for an instance not yet spawned, or for another one;
            // liveness is not watched before up.
            case Start _, Ready _, Exited _, MainPid _, Finish _, Unhealthy _ -> stay(m);
        };
    }

    private static Step up(Rules r, Memory m, Up u, Event e, long now, double jitter) {
        return switch (e) {
            case Exited x when x.exit().pid() == u.pid() ->
                    died(r, m.exited(x.exit(), x.exit().describe()), !x.exit().success(), now, now - u.since(), jitter);
            case Stop _ -> stopping(r, m.because("stop requested"), u.pid(), now, false);
            case Restart _ -> stopping(r, m.because("restart requested"), u.pid(), now, true);
            case Finish f -> step(m.with(new Stopping(u.pid(), plus(now, f.graceNanos()), false)).because("input ended"));
            case Unhealthy x when x.pid() == u.pid() -> stopping(r, m.because(x.reason()), u.pid(), now, true);
            case MainPid x -> step(m.with(new Up(x.pid(), u.since())));
            case Deliver x -> step(m, new Signal(x.signal()));
            // Already up and ready, with no deadline; no spawn is awaited; an exit or a verdict about another instance.
            case Start _, Ready _, Extend _, Timeout _, Spawned _, SpawnFailed _, Exited _, Unhealthy _ -> stay(m);
        };
    }

    private static Step stopping(Rules r, Memory m, Stopping st, Event e, long now, double jitter) {
        return switch (e) {
            case Spawned p when st.pid() == 0 -> step(m.with(new Stopping(p.pid(), st.killAt(), st.restartAfter(), st.failedStart())));
            case SpawnFailed f when st.pid() == 0 -> step(m.with(new Down()).because("stop_command: " + f.reason()));
            case Exited x when x.exit().pid() == st.pid() && st.failedStart() ->
                    died(r, m.exited(x.exit(), m.reason()), !x.exit().success(), now, 0, jitter);
            case Exited x when x.exit().pid() == st.pid() -> st.restartAfter()
                    ? step(m.exited(x.exit(), m.reason()).again(new Starting(0, now, Long.MAX_VALUE), m.history()), new CleanUp(), new Spawn())
                    : step(m.exited(x.exit(), m.reason()).with(new Down()), new CleanUp());
            case Timeout _ -> step(m.with(new Stopping(st.pid(), Long.MAX_VALUE, st.restartAfter(), st.failedStart()))
                    .because("stop_timeout expired: SIGKILL"), new KillAll());
            case Start _ -> step(m.with(new Stopping(st.pid(), st.killAt(), true, false)));
            case Stop _ -> step(m.with(new Stopping(st.pid(), st.killAt(), false, false)));
            case Extend x -> step(m.with(new Stopping(st.pid(), Math.max(st.killAt(), plus(now, x.nanos())), st.restartAfter(), st.failedStart())));
            case Deliver x -> step(m, new Signal(x.signal()));
            // On its way down already: a restart or an end asked again changes nothing; readiness, liveness and a new
            // main pid no longer matter; spawns and exits of other processes.
            case Restart _, Finish _, Ready _, Unhealthy _, MainPid _, Spawned _, SpawnFailed _, Exited _ -> stay(m);
        };
    }

    private static Step done(Rules r, Memory m, Event e, long now) {
        return switch (e) {
            case Stop _ when r.hasStopCommand() -> step(m.with(new Stopping(0, plus(now, r.stopTimeoutNanos()), false))
                    .because("stop requested: running stop_command"), new RunStopCommand());
            case Stop _ -> step(m.with(new Down()).because("stop requested"));
            case Restart _ -> step(m.again(new Starting(0, now, Long.MAX_VALUE), m.history()).because("restart requested"), new Spawn());
            // Finished: a start has nothing left to do; no process to signal, end, watch or wait for.
            case Start _, Deliver _, Finish _, Timeout _, Spawned _, SpawnFailed _, Exited _, Ready _, Unhealthy _, MainPid _,
                 Extend _ -> stay(m);
        };
    }

    private static Step spawn(Memory m, long now) {
        return step(m.with(new Starting(0, now, Long.MAX_VALUE)), new Spawn());
    }

    private static Step stopping(Rules r, Memory m, int pid, long now, boolean restartAfter) {
        return step(m.with(new Stopping(pid, plus(now, r.stopTimeoutNanos()), restartAfter)),
                new Signal(r.stopSignal()), new Signal(Signals.CONT)); // CONT: a stopped process must see its TERM
    }

    /** The instance died, or never started: clean up after it, then do as the restart verdict says. */
    private static Step died(Rules r, Memory m, boolean failure, long now, long uptime, double jitter) {
        return switch (Restarts.afterDeath(r.policy(), m.history(), failure, now, uptime, jitter)) {
            case Restarts.Rest v -> step(m.with(v.failed() ? new Failed(m.reason()) : new Down()), new CleanUp());
            case Restarts.Now v -> step(m.again(new Starting(0, now, Long.MAX_VALUE), v.history()), new CleanUp(), new Spawn());
            case Restarts.After v -> step(m.again(new Backoff(now + v.delayNanos()), v.history()), new CleanUp());
            case Restarts.GiveUp v -> step(new Memory(new Failed(v.reason()), v.history(), m.restarts(), m.lastExit(), v.reason()),
                    new CleanUp());
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

package banyan.supervise;

import banyan.config.RestartPolicy;
import banyan.config.RestartPolicy.Mode;
import banyan.os.Reaper.Exit;
import banyan.os.Signals;
import banyan.supervise.Lifecycle.*;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The state machine as tables: no processes, no clock. */
class LifecycleTest {
    static final long S = 1_000_000_000L;

    static Rules rules(Mode mode) {
        return new Rules(RestartPolicy.DEFAULT.withMode(mode), Signals.TERM, 10 * S, Long.MAX_VALUE, false);
    }

    /** Starts a service at t=0 as pid 100 and returns the memory in state Up. */
    static Memory running(Rules r) {
        Step s = Lifecycle.next(r, Lifecycle.initial(r), new Start(), 0, 0.5);
        assertEquals(List.of(new Spawn()), s.effects());
        s = Lifecycle.next(r, s.memory(), new Spawned(100), 0, 0.5);
        assertInstanceOf(Up.class, s.memory().state());
        return s.memory();
    }

    @ParameterizedTest(name = "{0}, {1} after {2}s -> {3}")
    @CsvSource({
            // mode,      exit code, signal, uptime s, next state
            "ALWAYS,      0, 0,  5, Starting",
            "ALWAYS,      1, 0,  5, Starting",
            "ALWAYS,      0, 9,  5, Starting",
            "ALWAYS,      1, 0,  0, Backoff",
            "ON_FAILURE,  0, 0,  5, Down",
            "ON_FAILURE,  1, 0,  5, Starting",
            "ON_FAILURE,  0, 9,  5, Starting",
            "ON_FAILURE,  0, 0,  0, Down",
            "ON_FAILURE,  2, 0,  0, Backoff",
            "NEVER,       0, 0,  5, Down",
            "NEVER,       1, 0,  5, Failed",
            "NEVER,       0, 9,  0, Failed",
    })
    void restartModeByWayOfDying(Mode mode, int code, int signal, long uptime, String expected) {
        Rules r = rules(mode);
        Step s = Lifecycle.next(r, running(r), new Exited(new Exit(100, code, signal, false)), uptime * S, 0.5);
        assertEquals(expected, s.memory().state().getClass().getSimpleName());
        assertEquals(new CleanUp(), s.effects().getFirst(), "whatever the group left behind is killed first");
        if (expected.equals("Starting")) assertEquals(List.of(new CleanUp(), new Spawn()), s.effects());
    }

    @Test
    void finishLetsTheInstanceEndBySelfWithoutSignalOrRestart() {
        Rules r = rules(Mode.ALWAYS);
        Step s = Lifecycle.next(r, running(r), new Finish(4 * S), 5 * S, 0.5);
        assertEquals(List.of(), s.effects(), "no signal: a logger reads to end of file");
        assertEquals(9 * S, s.memory().state().deadline());
        Step exited = Lifecycle.next(r, s.memory(), new Exited(new Exit(100, 0, 0, false)), 6 * S, 0.5);
        assertInstanceOf(Down.class, exited.memory().state(), "restart = always, yet not restarted");
        assertEquals(List.of(new CleanUp()), exited.effects());
        Step late = Lifecycle.next(r, s.memory(), new Timeout(), 9 * S, 0.5);
        assertEquals(List.of(new KillAll()), late.effects());
        Step dead = Lifecycle.next(r, running(r), new Exited(new Exit(100, 0, 9, false)), 0, 0.5);
        assertInstanceOf(Backoff.class, dead.memory().state());
        assertInstanceOf(Down.class, Lifecycle.next(r, dead.memory(), new Finish(4 * S), S / 100, 0.5).memory().state());
    }

    @Test
    void exitOfAnOldPidIsIgnored() {
        Rules r = rules(Mode.ALWAYS);
        Memory m = running(r);
        Step s = Lifecycle.next(r, m, new Exited(new Exit(99, 1, 0, false)), S, 0.5);
        assertSame(m, s.memory());
        assertTrue(s.effects().isEmpty());
    }

    @Test
    void stopSignalsTheGroupThenKillsAtTheDeadlineThenCleansUp() {
        Rules r = rules(Mode.ALWAYS);
        Step s = Lifecycle.next(r, running(r), new Stop(), 2 * S, 0.5);
        assertEquals(List.of(new Signal(Signals.TERM), new Signal(Signals.CONT)), s.effects());
        assertEquals(12 * S, s.memory().state().deadline());
        s = Lifecycle.next(r, s.memory(), new Timeout(), 12 * S, 0.5);
        assertEquals(List.of(new KillAll()), s.effects());
        assertEquals(Long.MAX_VALUE, s.memory().state().deadline());
        s = Lifecycle.next(r, s.memory(), new Exited(new Exit(100, 0, 9, false)), 12 * S, 0.5);
        assertInstanceOf(Down.class, s.memory().state());
        assertEquals(List.of(new CleanUp()), s.effects());
    }

    @Test
    void restartRequestStopsThenSpawnsAgain() {
        Rules r = rules(Mode.NEVER);
        Step s = Lifecycle.next(r, running(r), new Restart(), S, 0.5);
        assertInstanceOf(Stopping.class, s.memory().state());
        s = Lifecycle.next(r, s.memory(), new Exited(new Exit(100, 0, 15, false)), S, 0.5);
        assertEquals(List.of(new CleanUp(), new Spawn()), s.effects());
        assertEquals(1, s.memory().restarts());
    }

    @Test
    void startDuringStopComesBackAfterwards() {
        Rules r = rules(Mode.ALWAYS);
        Step s = Lifecycle.next(r, running(r), new Stop(), S, 0.5);
        s = Lifecycle.next(r, s.memory(), new Start(), S, 0.5);
        s = Lifecycle.next(r, s.memory(), new Exited(new Exit(100, 0, 15, false)), S, 0.5);
        assertTrue(s.effects().contains(new Spawn()));
    }

    @Test
    void crashLoopBacksOffWithGrowingDelaysThenFails() {
        Rules r = rules(Mode.ALWAYS);
        Memory m = running(r);
        long now = 0;
        long previousDelay = 0;
        for (int death = 1; death <= r.policy().maxRestarts(); death++) {
            Step s = Lifecycle.next(r, m, new Exited(new Exit(100, 1, 0, false)), now, 0.5);
            Backoff b = assertInstanceOf(Backoff.class, s.memory().state());
            long delay = b.until() - now;
            assertTrue(delay > previousDelay, "delay " + delay + " after death " + death + " must exceed " + previousDelay);
            previousDelay = delay;
            now = b.until();
            s = Lifecycle.next(r, s.memory(), new Timeout(), now, 0.5);
            s = Lifecycle.next(r, s.memory(), new Spawned(100), now, 0.5);
            m = s.memory();
        }
        Step s = Lifecycle.next(r, m, new Exited(new Exit(100, 1, 0, false)), now, 0.5);
        Failed f = assertInstanceOf(Failed.class, s.memory().state());
        assertTrue(f.reason().contains("max_restarts"), f.reason());
        s = Lifecycle.next(r, s.memory(), new Timeout(), now + 3600 * S, 0.5);
        assertInstanceOf(Failed.class, s.memory().state(), "failed stays failed until a start request");
        s = Lifecycle.next(r, s.memory(), new Start(), now + 3600 * S, 0.5);
        assertEquals(List.of(new Spawn()), s.effects());
    }

    @Test
    void spawnFailureIsAQuickDeathEvenWithZeroMinUptime() {
        Rules r = new Rules(RestartPolicy.DEFAULT.withMinUptime(Duration.ZERO).withMaxRestarts(3), Signals.TERM, S, Long.MAX_VALUE, false);
        Step s = Lifecycle.next(r, Lifecycle.initial(r), new Start(), 0, 0.5);
        s = Lifecycle.next(r, s.memory(), new SpawnFailed("program 'x' not found"), 0, 0.5);
        assertInstanceOf(Backoff.class, s.memory().state());
        assertEquals("program 'x' not found", s.memory().reason());
    }

    @Test
    void aSpawnRefusedForAShortageIsRetriedAfterAFixedSecondAndNeverCounted() {
        Rules r = new Rules(RestartPolicy.DEFAULT.withMaxRestarts(1), Signals.TERM, S, Long.MAX_VALUE, false);
        Step s = Lifecycle.next(r, Lifecycle.initial(r), new Start(), 0, 0.5);
        long now = 0;
        for (int i = 1; i <= 10; i++) {
            s = Lifecycle.next(r, s.memory(), new SpawnFailed("clone3: Resource temporarily unavailable", true), now, 0.5);
            Backoff b = assertInstanceOf(Backoff.class, s.memory().state());
            assertEquals(now + S, b.until(), "one second, never doubled");
            assertEquals(i, s.memory().restarts());
            assertEquals(Restarts.History.fresh(r.policy()), s.memory().history(), "outside the intensity count");
            assertEquals("clone3: Resource temporarily unavailable; a passing shortage: trying again in 1s", s.memory().reason());
            now = b.until();
            s = Lifecycle.next(r, s.memory(), new Timeout(), now, 0.5);
            assertEquals(List.of(new Spawn()), s.effects());
        }
        // a permanent one is a failed start, counted: max_restarts = 1 lets one through, not two
        s = Lifecycle.next(r, s.memory(), new SpawnFailed("program 'x' not found", false), now, 0.5);
        Backoff b = assertInstanceOf(Backoff.class, s.memory().state());
        s = Lifecycle.next(r, s.memory(), new Timeout(), b.until(), 0.5);
        s = Lifecycle.next(r, s.memory(), new SpawnFailed("program 'x' not found", false), b.until(), 0.5);
        assertInstanceOf(Failed.class, s.memory().state());
    }

    @Test
    void stopDuringBackoffGoesDownWithoutSpawning() {
        Rules r = rules(Mode.ALWAYS);
        Step s = Lifecycle.next(r, running(r), new Exited(new Exit(100, 1, 0, false)), 0, 0.5);
        s = Lifecycle.next(r, s.memory(), new Stop(), 0, 0.5);
        assertInstanceOf(Down.class, s.memory().state());
        assertTrue(s.effects().isEmpty());
    }

    /** A few cells the table names as ignored: the same memory comes back, with no effect. */
    @ParameterizedTest(name = "{0} ignores {1}")
    @CsvSource({
            "Down,     Restart", "Down,     Deliver", "Down,     Exited",
            "Failed,   Stop", "Failed,   Restart",
            "Backoff,  Restart", "Backoff,  Deliver",
            "Up,       Ready", "Up,       Start", "Up,       Timeout",
            "Stopping, Restart", "Stopping, Ready",
            "Done,     Start", "Done,     Deliver",
    })
    void ignoredCellsChangeNothing(String state, String event) {
        Rules r = rules(Mode.ALWAYS);
        Memory m = switch (state) {
            case "Down" -> Lifecycle.initial(r);
            case "Up" -> running(r);
            case "Stopping" -> Lifecycle.next(r, running(r), new Stop(), S, 0.5).memory();
            case "Backoff" -> Lifecycle.next(r, running(r), new Exited(new Exit(100, 1, 0, false)), 0, 0.5).memory();
            case "Failed" -> Lifecycle.initial(r).with(new Failed("given up"));
            case "Done" -> Lifecycle.initial(r).with(new Done(0));
            default -> throw new IllegalArgumentException(state);
        };
        assertEquals(state, m.state().getClass().getSimpleName());
        Event e = switch (event) {
            case "Restart" -> new Restart();
            case "Deliver" -> new Deliver(Signals.HUP);
            case "Exited" -> new Exited(new Exit(100, 0, 0, false));
            case "Stop" -> new Stop();
            case "Ready" -> new Ready(100);
            case "Start" -> new Start();
            case "Timeout" -> new Timeout();
            default -> throw new IllegalArgumentException(event);
        };
        Step s = Lifecycle.next(r, m, e, 2 * S, 0.5);
        assertSame(m, s.memory());
        assertEquals(List.of(), s.effects());
    }
}

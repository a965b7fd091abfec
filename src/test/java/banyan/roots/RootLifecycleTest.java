package banyan.roots;

import banyan.roots.Root.*;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** A root's state machine as tables: no mounts, no processes, no clock. */
class RootLifecycleTest {
    static final long S = 1_000_000_000L, MS = S / 1000;
    static final Mnt STAGED = new Mnt(50, false, 0), FUSE = new Mnt(60, true, 42);

    /** Sources a, b, c; b is a command (its helper may stay as a FUSE server). Probe every 1s, 2s timeout, 2 failures. */
    static Rules rules(boolean probe, boolean failback) {
        return new Rules(List.of("a", "b", "c"), List.of(false, true, false), probe, S, 2 * S, 2, 10 * S, failback);
    }

    static final Rules R = rules(true, false);

    static Seen seen(Mnt live, Mnt staged) {
        return new Seen(Optional.ofNullable(live), Optional.ofNullable(staged));
    }

    /** Feeds events at times of its own; keeps the memory and the last effects. */
    static final class Drive {
        final Rules r;
        Memory m = Memory.INITIAL;
        List<Effect> effects = List.of();

        Drive(Rules r) {
            this.r = r;
        }

        Drive on(Event e, Seen seen, long now) {
            Step s = RootLifecycle.next(r, m, e, seen, now, 0);
            m = s.memory();
            effects = s.effects();
            return this;
        }

        /** The effects without the notes for the log. */
        List<Effect> did() {
            return effects.stream().filter(f -> !(f instanceof Note)).toList();
        }

        List<String> notes() {
            return effects.stream().filter(f -> f instanceof Note).map(f -> ((Note) f).text()).toList();
        }

        /** The state's wire name, as status shows it. */
        String word() {
            return RootLifecycle.name(m.state()).wire();
        }

        State s() {
            return m.state();
        }
    }

    /** Up on source a at t=0 (jobs 1 mount, 2 probe, 3 move; stage 1), its mount id 50. */
    static Drive upOnA(Rules r) {
        Drive d = new Drive(r).on(new Start(), Seen.NOTHING, 0);
        assertEquals(List.of(new Mount(1, 0, 1)), d.did());
        d.on(new Exited(1, true, "exited 0"), seen(null, STAGED), 0);
        assertEquals(r.probe() ? List.of(new Root.Probe(2, 1)) : List.of(new Move(2, 1)), d.did(), "probed at its stage, not in place");
        if (r.probe()) {
            d.on(new Exited(2, true, "exited 0"), seen(null, STAGED), 0);
            assertEquals(List.of(new Move(3, 1)), d.did());
        }
        d.on(new Exited(r.probe() ? 3 : 2, true, "exited 0"), seen(STAGED, null), 0);
        assertEquals(List.of(new RemoveStage(1)), d.did());
        assertEquals("up", d.word());
        return d;
    }

    @Test
    void aSourceIsMountedAtAStageProbedThereThenMovedIntoPlace() {
        Drive d = upOnA(R);
        Up up = (Up) d.s();
        assertEquals(new Live(0, STAGED, 0), up.live());
        assertEquals(S, up.nextProbe());
        assertEquals(Long.MAX_VALUE, up.trialAt(), "no failback trial without failback");
        assertEquals(List.of("up on a"), d.notes());
        Drive noProbe = upOnA(rules(false, false));
        assertEquals(Long.MAX_VALUE, noProbe.s().deadline(), "without a probe, only the mount table watches it");
    }

    @Test
    void aCommandIsMountedOnceItsMountAppearsAndItsHelperMayStayAsTheServer() {
        Drive d = new Drive(R).on(new Reroot(Optional.of(1)), Seen.NOTHING, 0);
        assertEquals(List.of(new Mount(1, 1, 1)), d.did());
        d.on(new Table(), Seen.NOTHING, MS);
        assertEquals(List.of(), d.did(), "no mount yet");
        d.on(new Table(), seen(null, FUSE), 2 * MS);
        assertEquals(List.of(new Root.Probe(2, 1)), d.did(), "mounted while the helper runs: a FUSE server such as sshfs -f");
        d.on(new Exited(2, true, ""), seen(null, FUSE), 3 * MS).on(new Exited(3, true, ""), seen(FUSE, null), 4 * MS);
        assertEquals(new Live(1, FUSE, 1), ((Up) d.s()).live(), "job 1, the helper, serves the mount");
        Drive died = new Drive(R);
        died.m = d.m;
        died.on(new Exited(1, false, "killed by KILL"), seen(FUSE, null), 5 * MS);
        assertEquals("lost", died.word());
        assertEquals(List.of(new Abort(FUSE), new Unmount(4, RootLifecycle.FORCE)), died.did());
        assertEquals("its mount helper died: killed by KILL", died.m.reason());
        d.on(new Exited(1, true, "exited 0"), seen(FUSE, null), 5 * MS);
        assertEquals(new Live(1, FUSE, 0), ((Up) d.s()).live(), "a helper that daemonized exits 0: the mount stays");
    }

    @ParameterizedTest(name = "{0}: {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            // phase | what happens                       | why source a failed
            "MOUNT | exit 0, nothing mounted           | its helper exited 0 but nothing is mounted at its {target}",
            "MOUNT | exit 32                           | exited 32: mount(...): No such device",
            "MOUNT | refused                           | program 'x' not found",
            "MOUNT | acquire_timeout                   | not mounted within acquire_timeout (10s)",
            "CHECK | exit 1                            | probe: exited 1: open(...): No such file",
            "CHECK | acquire_timeout                   | not probed healthy within acquire_timeout (10s)",
            "MOVE  | exit 1                            | move: exited 1: mount MS_MOVE(...): Invalid argument",
            "MOVE  | exit 0, nothing in place          | moved, but the root's place does not show its mount",
    })
    void anAttemptThatFailsIsDiscardedAndTheNextSourceTried(String phase, String what, String why) {
        Drive d = new Drive(R).on(new Start(), Seen.NOTHING, 0);
        int job = 1;
        if (!phase.equals("MOUNT")) d.on(new Exited(job++, true, ""), seen(null, STAGED), S);
        if (phase.equals("MOVE")) d.on(new Exited(job++, true, ""), seen(null, STAGED), S);
        Attempt a = ((Acquiring) d.s()).attempt();
        assertEquals(Phase.valueOf(phase), a.phase());
        Seen staged = seen(null, phase.equals("MOUNT") ? null : STAGED);
        Event e = switch (what) {
            case "refused" -> new Refused(job, why);
            case "acquire_timeout" -> new Timeout();
            case "exit 0, nothing mounted", "exit 0, nothing in place" -> new Exited(job, true, "exited 0");
            default -> new Exited(job, false, why.replaceFirst("^(probe|move): ", ""));
        };
        d.on(e, phase.equals("MOVE") ? seen(null, STAGED) : staged, what.equals("acquire_timeout") ? 10 * S : 2 * S);
        assertEquals(List.of(new Discard(a, phase.equals("MOUNT") ? Optional.empty() : Optional.of(STAGED), job + 1),
                new Mount(job + 2, 1, 2)), d.did(), "what a mounted is detached; b is tried at a fresh stage");
        assertEquals("a: " + why, d.m.reason());
        assertEquals(Optional.of("source a failed: " + why), d.notes().stream().findFirst());
    }

    @Test
    void whenEverySourceFailsTheRootIsFailedAndTriesAgainWithABackoffThatResetsOnceUp() {
        Drive d = new Drive(R).on(new Start(), Seen.NOTHING, 0);
        for (int round = 1; round <= 3; round++) {
            for (int i = 0; i < 3; i++) {
                int job = ((Acquiring) d.s()).attempt().job();
                d.on(new Exited(job, false, "exited 1"), Seen.NOTHING, round * 100 * S);
            }
            assertEquals("failed", d.word());
            assertEquals(round * 100 * S + (S << (round - 1)), d.s().deadline(), "1s, 2s, 4s ... between rounds");
            assertEquals("no source could be had: a: exited 1; b: exited 1; c: exited 1", d.m.reason());
            d.on(new Timeout(), Seen.NOTHING, d.s().deadline() - 1);
            assertEquals("failed", d.word(), "not before its time");
            d.on(new Timeout(), Seen.NOTHING, d.s().deadline());
            assertEquals(0, ((Mount) d.did().getFirst()).source(), "each round starts from the first source");
        }
        assertEquals(3, d.m.rounds());
        int job = ((Acquiring) d.s()).attempt().job();
        d.on(new Exited(job, true, ""), seen(null, STAGED), 500 * S).on(new Exited(job + 1, true, ""), seen(null, STAGED), 500 * S)
                .on(new Exited(job + 2, true, ""), seen(STAGED, null), 500 * S);
        assertEquals("up", d.word());
        assertEquals(0, d.m.rounds(), "up: the next failed round waits 1s again");
        assertEquals(60 * S, RootLifecycle.backoff(30, 0), "capped");
        assertEquals(45 * S, RootLifecycle.backoff(30, 1), "less up to a quarter of jitter");
    }

    @ParameterizedTest(name = "probes {0} -> {1}")
    @CsvSource({
            // results of probes started at 1s, 2s, 3s ...: + passed, - failed, T no answer within 2s
            "'+ + + +',   up",
            "'- + - +',   up",
            "'+ - -',     lost",
            "'- -',       lost",
            "'T',         up",
            "'T T',       lost",
            "'- T',       lost",
    })
    void failuresInARowLoseTheRootAndASuccessForgivesThem(String results, String expected) {
        Drive d = upOnA(R);
        long t = 0;
        List<Integer> hung = new ArrayList<>();
        for (String r : results.split(" ")) {
            t += S;
            d.on(new Timeout(), seen(STAGED, null), t);
            Root.Probe p = (Root.Probe) d.did().stream().filter(f -> f instanceof Root.Probe).findFirst().orElseThrow();
            assertEquals(0, p.stage(), "probed in place");
            if (r.equals("T")) {
                hung.add(p.job());
                d.on(new Timeout(), seen(STAGED, null), t + 2 * S); // its timeout: killed and counted
                assertTrue(d.did().contains(new Kill(p.job())), d.did().toString());
                t += 2 * S;
            } else d.on(new Exited(p.job(), r.equals("+"), "exited 1"), seen(STAGED, null), t + MS);
            if (d.word().equals("lost")) break;
        }
        assertEquals(expected, d.word());
        for (int job : hung) d.on(new Exited(job, false, "killed by KILL"), seen(STAGED, null), t + 3 * S); // late: stale
        assertEquals(expected, d.word());
    }

    @Test
    void aFrozenRootIsLostWithinIntervalTimesFailuresPlusTimeout() {
        for (long freeze : new long[]{0, S / 3, S - 1, 5 * S / 2}) {
            Drive d = upOnA(R);
            long t = 0;
            while (!d.word().equals("lost")) { // every probe after the freeze hangs: only deadlines move it on
                t = d.s().deadline();
                d.on(new Timeout(), seen(STAGED, null), t);
                for (Effect f : d.did())
                    if (f instanceof Root.Probe p && t < freeze) d.on(new Exited(p.job(), true, ""), seen(STAGED, null), t);
            }
            long budget = R.intervalNanos() * R.failures() + R.probeTimeoutNanos();
            assertTrue(t - freeze <= budget, "frozen at " + freeze + ", lost at " + t + ": over the budget " + budget);
        }
    }

    @Test
    void aLostFuseRootIsAbortedThenForceDetachedThenTheNextSourceIsTried() {
        Drive d = new Drive(R);
        d.m = new Memory(new Up(new Live(0, FUSE, 7), 5 * S, 0, List.of(new Flight(8, 6 * S), new Flight(9, 7 * S)), Optional.empty(),
                Long.MAX_VALUE, 0), 9, 1, 0, 0, "");
        d.on(new Table(), seen(new Mnt(61, false, 0), null), S);
        assertEquals("lost", d.word());
        assertEquals("something else was mounted over it", d.m.reason());
        assertEquals(List.of(new Kill(8), new Kill(9), new Abort(FUSE), new Kill(7), new Unmount(10, RootLifecycle.FORCE)), d.did(),
                "the probes and the FUSE server killed, the connection aborted so that its waiters wake, then detached");
        assertEquals(1, d.m.losses());
        d.on(new Exited(10, true, ""), seen(new Mnt(61, false, 0), null), 2 * S);
        assertEquals(List.of(new Unmount(11, RootLifecycle.FORCE)), d.did(), "what is stacked there is detached too, until the place is empty");
        d.on(new Exited(11, true, ""), Seen.NOTHING, 3 * S);
        assertEquals("acquiring", d.word());
        assertEquals(List.of(new Mount(12, 1, 2)), d.did(), "the next source after the lost one");
    }

    @Test
    void aVanishedRootNeedsNoDetachAndTheListWrapsAroundToTheSameSource() {
        Drive d = new Drive(rules(true, false));
        d.m = new Memory(new Up(new Live(2, STAGED, 0), 5 * S, 0, List.of(), Optional.empty(), Long.MAX_VALUE, 0), 3, 1, 0, 0, "");
        d.on(new Table(), Seen.NOTHING, S);
        assertEquals("lost", d.word());
        assertEquals(List.of(), d.did(), "nothing to abort or detach");
        assertEquals(S, d.s().deadline(), "on at once");
        d.on(new Timeout(), Seen.NOTHING, S);
        assertEquals(List.of(new Mount(4, 0, 2)), d.did(), "after c comes a");
    }

    @Test
    void aDetachThatFailsOrHangsIsTriedAgainWithoutSpinning() {
        Drive d = upOnA(R).on(new Stop(), seen(STAGED, null), S);
        assertEquals("releasing", d.word());
        assertEquals(List.of(new Unmount(4, RootLifecycle.DETACH)), d.did(), "a release asked for is no force: nothing failed");
        d.on(new Exited(4, false, "exited 1: umount2(...): Device or resource busy"), seen(STAGED, null), 2 * S);
        assertEquals(List.of(), d.did());
        assertEquals(3 * S, d.s().deadline(), "again a second later");
        d.on(new Timeout(), seen(STAGED, null), 3 * S);
        assertEquals(List.of(new Unmount(5, RootLifecycle.DETACH)), d.did());
        d.on(new Timeout(), seen(STAGED, null), 8 * S);
        assertEquals(List.of(new Kill(5), new Unmount(6, RootLifecycle.DETACH)), d.did(), "a hung unmount child is killed and tried again");
        d.on(new Exited(6, true, ""), Seen.NOTHING, 9 * S);
        assertEquals("down", d.word());
    }

    @Test
    void stopAndRerootAreHeardInEveryState() {
        Drive acquiring = new Drive(R).on(new Start(), Seen.NOTHING, 0).on(new Stop(), seen(null, STAGED), S);
        assertEquals("down", acquiring.word());
        assertInstanceOf(Discard.class, acquiring.did().getFirst());
        Drive failed = new Drive(R);
        failed.m = new Memory(new Failed(100 * S), 5, 5, 0, 1, "no source");
        assertEquals("down", failed.on(new Stop(), Seen.NOTHING, S).word());
        failed.m = new Memory(new Failed(100 * S), 5, 5, 0, 1, "no source");
        assertEquals(List.of(new Mount(6, 2, 6)), failed.on(new Reroot(Optional.of(2)), Seen.NOTHING, S).did());
        Drive up = upOnA(R).on(new Reroot(Optional.of(2)), seen(STAGED, null), S);
        assertEquals("releasing", up.word());
        up.on(new Stop(), seen(STAGED, null), S).on(new Exited(4, true, ""), Seen.NOTHING, S);
        assertEquals("down", up.word(), "a stop while releasing for a reroot ends in down");
        Drive down = new Drive(R).on(new Stop(), Seen.NOTHING, 0);
        assertEquals(List.of(), down.did());
        Drive stale = upOnA(R).on(new Exited(1, false, "late"), seen(STAGED, null), S);
        assertEquals(List.of(), stale.did(), "a job the state does not wait for changes nothing");
    }

    @Test
    void aMountLeftByAnEarlierRunIsDetachedBeforeTheFirstAcquisition() {
        Drive d = new Drive(R).on(new Start(), seen(FUSE, null), 0);
        assertEquals("releasing", d.word());
        assertEquals(List.of(new Abort(FUSE), new Unmount(1, RootLifecycle.FORCE)), d.did());
        d.on(new Exited(1, true, ""), Seen.NOTHING, S);
        assertEquals(List.of(new Mount(2, 0, 1)), d.did());
    }

    @Test
    void failbackTriesTheEarlierSourcesAtAStageWhileTheLaterOneServesThenSwitches() {
        Rules r = rules(true, true);
        Drive d = new Drive(r);
        d.m = new Memory(new Up(new Live(2, STAGED, 0), 100 * S, 0, List.of(), Optional.empty(), 10 * S, 0), 20, 3, 0, 0, "");
        d.on(new Timeout(), seen(STAGED, null), 10 * S);
        assertEquals(List.of(new Mount(21, 0, 4)), d.did());
        assertEquals("up", d.word());
        d.on(new Exited(21, false, "exited 1"), seen(STAGED, null), 11 * S);
        assertEquals(List.of(new Discard(new Attempt(0, 4, Phase.MOUNT, 21, 20 * S, Optional.empty(), 0), Optional.empty(), 22),
                new Mount(23, 1, 5)), d.did(), "a given up; then b, the next before c");
        d.on(new Table(), seen(STAGED, FUSE), 12 * S);
        assertEquals(List.of(new Root.Probe(24, 5)), d.did());
        d.on(new Exited(24, true, ""), seen(STAGED, FUSE), 13 * S);
        assertEquals("releasing", d.word(), "b mounted and healthy at its stage: c is released");
        assertEquals(List.of(new Unmount(25, RootLifecycle.DETACH)), d.did());
        d.on(new Exited(25, true, ""), seen(null, FUSE), 14 * S);
        assertEquals(List.of(new Move(26, 5)), d.did());
        d.on(new Exited(26, true, ""), seen(FUSE, null), 15 * S);
        assertEquals(new Live(1, FUSE, 23), ((Up) d.s()).live());
        assertEquals(0, d.m.losses());
        assertEquals(15 * S + S, ((Up) d.s()).trialAt(), "on b, a is still tried from time to time");
    }
}

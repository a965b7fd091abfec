package banyan.roots;

import java.util.List;
import java.util.Optional;

/**
 * The vocabulary of a root's state machine ({@link RootLifecycle}): what it knows of mounts,
 * the states, the events and the effects. Jobs are numbers the machine gives to every child
 * process it asks for; a result that names a job the state no longer waits for is stale and
 * changes nothing.
 */
final class Root {
    private Root() {}

    /** A mount as the machine tells mounts apart: its id, and where a FUSE connection is, its number. */
    record Mnt(int id, boolean fuse, int minor) {}

    /** What the mount table shows, read just before each event: at the root's place, and at the current attempt's stage. */
    record Seen(Optional<Mnt> live, Optional<Mnt> staged) {
        static final Seen NOTHING = new Seen(Optional.empty(), Optional.empty());
    }

    /** The fixed rules of one root, from its config. */
    record Rules(List<String> names, List<Boolean> servers, boolean probe, long intervalNanos, long probeTimeoutNanos,
                 int failures, long acquireNanos, boolean failback) {
        Rules {
            names = List.copyOf(names);
            servers = List.copyOf(servers);
        }

        int count() {
            return names.size();
        }
    }

    /** The sources of one pass over the list: first, first + 1, ... wrapping once; why each one failed. */
    record Round(int first, int tried, List<String> failures) {
        static Round from(int first) {
            return new Round(first, 0, List.of());
        }

        int current(Rules r) {
            return (first + tried) % r.count();
        }

        Round failed(String why) {
            List<String> f = new java.util.ArrayList<>(failures);
            f.add(why);
            return new Round(first, tried + 1, f);
        }
    }

    enum Phase { MOUNT, CHECK, MOVE }

    /**
     * Getting one source: mounted at stage directory number stage, probed there, then moved to
     * the root's place. server: a mount helper still running once its mount appeared (a FUSE
     * server such as `sshfs -f`), 0 when none.
     */
    record Attempt(int source, int stage, Phase phase, int job, long deadline, Optional<Mnt> mnt, int server) {
        Attempt next(Phase p, int j) {
            return new Attempt(source, stage, p, j, deadline, mnt, server);
        }
    }

    /** The mount at the root's place. source -1: one found there at start, left by an earlier run. */
    record Live(int source, Mnt mnt, int server) {}

    /** A probe in flight, failed if it has not passed by deadline. */
    record Flight(int job, long deadline) {}

    sealed interface State {
        default long deadline() {
            return Long.MAX_VALUE;
        }
    }

    record Down() implements State {}

    record Acquiring(Round round, Attempt attempt) implements State {
        @Override
        public long deadline() {
            return attempt.deadline();
        }
    }

    /**
     * Mounted, probed every interval. With failback, on a later source, a trial acquires an
     * earlier one at its stage while this one serves, from trialAt on.
     */
    record Up(Live live, long nextProbe, int failures, List<Flight> probes, Optional<Trial> trial, long trialAt, int trials)
            implements State {
        Up {
            probes = List.copyOf(probes);
        }

        @Override
        public long deadline() {
            long d = Math.min(nextProbe, trialAt);
            for (Flight f : probes) d = Math.min(d, f.deadline());
            return trial.isPresent() ? Math.min(d, trial.get().attempt().deadline()) : d;
        }
    }

    /** A failback trial over the sources before the live one. */
    record Trial(Round round, Attempt attempt) {}

    /** What comes once the root's place is empty. */
    sealed interface Then {}

    record ToDown() implements Then {}

    record ToRound(Round round) implements Then {}

    /** A failback: the trial's attempt, mounted and probed at its stage, moves into place. */
    record ToTrial(Attempt attempt) implements Then {}

    /**
     * The mount at the root's place is being detached (by job, 0 while none runs) until deadline.
     * lost: it failed (probes, vanished, its server died); otherwise a release that was asked for.
     */
    record Releasing(Live live, int job, long deadline, Then then, boolean lost) implements State {
        @Override
        public long deadline() {
            return deadline;
        }
    }

    /** No source could be had; the list is tried again at retryAt. */
    record Failed(long retryAt) implements State {
        @Override
        public long deadline() {
            return retryAt;
        }
    }

    sealed interface Event {}

    record Start() implements Event {}

    record Stop() implements Event {}

    /** A switch asked for: release, then acquire from source (empty: from the first). */
    record Reroot(Optional<Integer> source) implements Event {}

    /** A job's process ended; why says how, with the last of its output. */
    record Exited(int job, boolean success, String why) implements Event {}

    /** A job could not even start (spawn failed, tmpfs refused): nothing runs. */
    record Refused(int job, String why) implements Event {}

    /** The mount table changed. */
    record Table() implements Event {}

    record Timeout() implements Event {}

    sealed interface Effect {}

    /** Make stage directory stage and mount source there (spawning its helper as job). */
    record Mount(int job, int source, int stage) implements Effect {}

    /** Probe the root's place (stage 0) or a stage directory, as job. */
    record Probe(int job, int stage) implements Effect {}

    /** Move the mount at stage to the root's place, as job. */
    record Move(int job, int stage) implements Effect {}

    /** SIGKILL to a job's process group, if it still runs. */
    record Kill(int job) implements Effect {}

    /** End a FUSE connection, so that whatever waits on it wakes. */
    record Abort(Mnt mnt) implements Effect {}

    /** umount2 of the root's place with flags, as job. */
    record Unmount(int job, int flags) implements Effect {}

    /** Give up an attempt: kill its jobs, abort and detach what it mounted (as job), remove its stage. */
    record Discard(Attempt attempt, Optional<Mnt> mnt, int job) implements Effect {}

    /** The stage directory is empty now (its mount moved into place): remove it. */
    record RemoveStage(int stage) implements Effect {}

    /** A line for the log. */
    record Note(String text) implements Effect {}

    /**
     * What the machine remembers between events.
     *
     * @param jobs   the last job number given out
     * @param stages the last stage directory number given out
     * @param rounds failed rounds in a row (the backoff before the next)
     */
    record Memory(State state, int jobs, int stages, int losses, int rounds, String reason) {
        static final Memory INITIAL = new Memory(new Down(), 0, 0, 0, 0, "");
    }

    record Step(Memory memory, List<Effect> effects) {}
}

package banyan.roots;

import banyan.config.Durations;
import banyan.os.Mounts;
import banyan.roots.Root.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A root's lifecycle: states × events → next state and effects, in one place. Pure: the mount
 * table arrives as {@link Seen} with each event, time as now, chance as jitter; the
 * supervisor's loop carries out the effects. States acquiring, up, releasing (lost when the
 * release follows a failure), failed, and down before a start and after a stop.
 */
final class RootLifecycle {
    private RootLifecycle() {}

    /** How long a detach may take before its child is killed and it is tried again: it never waits on the filesystem. */
    static final long RELEASE_NANOS = Duration.ofSeconds(5).toNanos();
    /** Between failed rounds, and between failback trials: doubling from the first to the cap, less up to a quarter of jitter. */
    static final long RETRY_FIRST = Duration.ofSeconds(1).toNanos(), RETRY_MAX = Duration.ofSeconds(60).toNanos();
    static final int FORCE = Mounts.MNT_FORCE | Mounts.MNT_DETACH, DETACH = Mounts.MNT_DETACH;

    static Step next(Rules r, Memory m, Event e, Seen seen, long now, double jitter) {
        Out out = new Out(m);
        return switch (m.state()) {
            case Down d -> switch (e) {
                case Start s -> fresh(r, out, 0, seen, now, "start requested");
                case Reroot x -> fresh(r, out, x.source().orElse(0), seen, now, "reroot requested");
                default -> out.same();
            };
            case Acquiring a -> acquiring(r, out, a, e, seen, now, jitter);
            case Up u -> up(r, out, u, e, seen, now, jitter);
            case Releasing x -> releasing(r, out, x, e, seen, now);
            case Failed f -> switch (e) {
                case Timeout t when due(f.retryAt(), now) -> begin(r, out, Round.from(0), now, "trying the sources again: " + m.reason());
                case Start s -> begin(r, out, Round.from(0), now, "start requested");
                case Reroot x -> begin(r, out, Round.from(x.source().orElse(0)), now, "reroot requested");
                case Stop s -> out.to(new Down(), "stop requested");
                default -> out.same();
            };
        };
    }

    /** From down: what an earlier run left at the root's place is detached first. */
    private static Step fresh(Rules r, Out out, int first, Seen seen, long now, String why) {
        if (seen.live().isEmpty()) return begin(r, out, Round.from(first), now, why);
        Live leftover = new Live(-1, seen.live().get(), 0);
        out.note("a mount left at the root's place by an earlier run is detached first");
        return detach(out, leftover, new ToRound(Round.from(first)), true, seen, now, why, false, Optional.empty());
    }

    private static Step begin(Rules r, Out out, Round round, long now, String why) {
        Attempt a = Attempts.start(r, out, round.current(r), now);
        out.note("acquiring from " + r.names().get(a.source()) + (round.tried() == 0 ? " (" + why + ")" : ""));
        return out.to(new Acquiring(round, a), why);
    }

    private static Step acquiring(Rules r, Out out, Acquiring s, Event e, Seen seen, long now, double jitter) {
        Attempt a = s.attempt();
        switch (e) {
            case Stop x -> {
                out.add(new Discard(a, seen.staged().or(a::mnt), out.job()));
                return out.to(new Down(), "stop requested");
            }
            case Reroot x -> {
                out.add(new Discard(a, seen.staged().or(a::mnt), out.job()));
                return begin(r, out, Round.from(x.source().orElse(0)), now, "reroot requested");
            }
            default -> { }
        }
        return switch (Attempts.step(r, out, a, e, seen, now)) {
            case Attempts.Same x -> out.same();
            case Attempts.Progress p -> out.to(new Acquiring(s.round(), p.attempt()), out.reason());
            case Attempts.Ready p -> {
                int job = out.job();
                out.add(new Move(job, a.stage()));
                yield out.to(new Acquiring(s.round(), p.attempt().next(Phase.MOVE, job)), out.reason());
            }
            case Attempts.Moved p -> {
                out.add(new RemoveStage(a.stage()));
                out.note("up on " + r.names().get(a.source()));
                Live live = new Live(a.source(), p.attempt().mnt().orElseThrow(), p.attempt().server());
                long trialAt = r.failback() && a.source() > 0 ? plus(now, backoff(1, jitter)) : Long.MAX_VALUE;
                Up up = new Up(live, r.probe() ? plus(now, r.intervalNanos()) : Long.MAX_VALUE, 0, List.of(), Optional.empty(), trialAt, 0);
                yield out.rounds(0).to(up, String.join("; ", s.round().failures()));
            }
            case Attempts.Fail f -> {
                String name = r.names().get(a.source());
                out.add(new Discard(a, seen.staged().or(a::mnt), out.job()));
                out.note("source " + name + " failed: " + f.why());
                Round next = s.round().failed(name + ": " + f.why());
                if (next.tried() < r.count()) yield begin(r, out, next, now, name + ": " + f.why());
                int rounds = out.rounds + 1;
                long wait = backoff(rounds, jitter);
                String why = "no source could be had: " + String.join("; ", next.failures());
                out.note(why + "; trying again in " + Durations.format(Duration.ofNanos(wait)));
                yield out.rounds(rounds).to(new Failed(plus(now, wait)), why);
            }
        };
    }

    private static Step up(Rules r, Out out, Up u, Event e, Seen seen, long now, double jitter) {
        Live live = u.live();
        String name = r.names().get(live.source());
        switch (e) {
            case Stop x -> {
                return release(out, u, new ToDown(), seen, now, "stop requested");
            }
            case Reroot x -> {
                return release(out, u, new ToRound(Round.from(x.source().orElse(0))), seen, now, "reroot requested");
            }
            case Table t when seen.live().isEmpty() -> {
                return lose(r, out, u, seen, now, "unmounted by someone else");
            }
            case Table t when seen.live().get().id() != live.mnt().id() -> {
                return lose(r, out, u, seen, now, "something else was mounted over it");
            }
            case Exited x when x.job() == live.server() && live.server() != 0 -> {
                Up gone = new Up(new Live(live.source(), live.mnt(), 0), u.nextProbe(), u.failures(), u.probes(), u.trial(), u.trialAt(), u.trials());
                if (!x.success()) return lose(r, out, gone, seen, now, "its mount helper died: " + x.why());
                return out.to(gone, out.reason()); // it daemonized: the mount stays
            }
            default -> { }
        }
        List<Flight> probes = new ArrayList<>(u.probes());
        int failures = u.failures();
        String why = "";
        if (e instanceof Exited x && probes.removeIf(f -> f.job() == x.job())) {
            failures = x.success() ? 0 : failures + 1;
            why = x.why();
        } else if (e instanceof Refused x && probes.removeIf(f -> f.job() == x.job())) {
            failures++;
            why = x.why();
        } else if (e instanceof Timeout) {
            for (Flight f : u.probes()) {
                if (!due(f.deadline(), now)) continue;
                probes.remove(f);
                out.add(new Kill(f.job()));
                failures++;
                why = "no answer within " + Durations.format(Duration.ofNanos(r.probeTimeoutNanos()));
            }
        }
        if (failures >= r.failures() && failures > u.failures())
            return lose(r, out, u, seen, now, "probe failed " + failures + " time" + (failures == 1 ? "" : "s") + " in a row: " + why);
        if (failures > u.failures()) out.note("probe of " + name + " failed (" + failures + " of " + r.failures() + "): " + why);
        long nextProbe = u.nextProbe();
        if (e instanceof Timeout && due(nextProbe, now)) {
            int job = out.job();
            out.add(new Root.Probe(job, 0));
            probes.add(new Flight(job, plus(now, r.probeTimeoutNanos())));
            nextProbe = due(plus(nextProbe, r.intervalNanos()), now) ? plus(now, r.intervalNanos()) : plus(nextProbe, r.intervalNanos());
        }
        Optional<Trial> trial = u.trial();
        long trialAt = u.trialAt();
        int trials = u.trials();
        if (trial.isEmpty() && e instanceof Timeout && due(trialAt, now)) {
            Round round = Round.from(0);
            trial = Optional.of(new Trial(round, Attempts.start(r, out, 0, now)));
            trialAt = Long.MAX_VALUE;
            out.note("failback: trying " + r.names().get(0));
        } else if (trial.isPresent()) {
            Trial t = trial.get();
            switch (Attempts.step(r, out, t.attempt(), e, seen, now)) {
                case Attempts.Same x -> { }
                case Attempts.Progress p -> trial = Optional.of(new Trial(t.round(), p.attempt()));
                case Attempts.Ready p -> {
                    Up without = new Up(live, nextProbe, failures, probes, Optional.empty(), Long.MAX_VALUE, trials);
                    return release(out, without, new ToTrial(p.attempt()), seen, now, "failback to " + r.names().get(p.attempt().source()));
                }
                case Attempts.Moved p -> { }
                case Attempts.Fail f -> {
                    String trying = r.names().get(t.attempt().source());
                    out.add(new Discard(t.attempt(), seen.staged().or(t.attempt()::mnt), out.job()));
                    out.note("failback: " + trying + " failed: " + f.why());
                    Round next = t.round().failed(trying + ": " + f.why());
                    if (next.tried() < live.source()) trial = Optional.of(new Trial(next, Attempts.start(r, out, next.tried(), now)));
                    else {
                        trial = Optional.empty();
                        trials++;
                        trialAt = plus(now, backoff(trials + 1, jitter));
                    }
                }
            }
        }
        return out.to(new Up(live, nextProbe, failures, probes, trial, trialAt, trials), out.reason());
    }

    /** The root failed: everything on it is given up at once; its FUSE connection is aborted so that waiters wake. */
    private static Step lose(Rules r, Out out, Up u, Seen seen, long now, String why) {
        out.note("lost " + r.names().get(u.live().source()) + ": " + why);
        out.losses++;
        Round next = Round.from((u.live().source() + 1) % r.count());
        return detach(out, u.live(), new ToRound(next), true, seen, now, why, true, Optional.of(u));
    }

    private static Step release(Out out, Up u, Then then, Seen seen, long now, String why) {
        out.note("releasing: " + why);
        return detach(out, u.live(), then, false, seen, now, why, false, Optional.of(u));
    }

    /** Ends what runs on the mount (probes, a trial, its server) and detaches it; then comes next. */
    private static Step detach(Out out, Live live, Then then, boolean force, Seen seen, long now, String why, boolean lost, Optional<Up> up) {
        up.ifPresent(u -> {
            u.probes().forEach(f -> out.add(new Kill(f.job())));
            u.trial().ifPresent(t -> out.add(new Discard(t.attempt(), seen.staged().or(t.attempt()::mnt), out.job())));
        });
        if (force && live.mnt().fuse()) out.add(new Abort(live.mnt()));
        if (live.server() != 0) out.add(new Kill(live.server()));
        if (seen.live().isEmpty()) return out.to(new Releasing(live, 0, now, then, lost), why); // nothing to detach: on at once
        int job = out.job();
        out.add(new Unmount(job, force ? FORCE : DETACH));
        return out.to(new Releasing(live, job, plus(now, RELEASE_NANOS), then, lost), why);
    }

    private static Step releasing(Rules r, Out out, Releasing x, Event e, Seen seen, long now) {
        boolean mine = switch (e) {
            case Exited d -> d.job() == x.job();
            case Refused d -> d.job() == x.job();
            case Timeout t -> due(x.deadline(), now);
            case Table t -> x.job() == 0;
            default -> false;
        };
        if (e instanceof Stop || e instanceof Reroot) {
            Then then = e instanceof Reroot rr ? new ToRound(Round.from(rr.source().orElse(0))) : new ToDown();
            if (x.then() instanceof ToTrial t) out.add(new Discard(t.attempt(), seen.staged().or(t.attempt()::mnt), out.job()));
            return out.to(new Releasing(x.live(), x.job(), x.deadline(), then, x.lost()), out.reason());
        }
        if (!mine) return out.same();
        if (seen.live().isEmpty()) return switch (x.then()) {
            case ToDown d -> {
                out.note("released");
                yield out.to(new Down(), out.reason());
            }
            case ToRound t -> begin(r, out, t.round(), now, out.reason());
            case ToTrial t -> {
                int job = out.job();
                out.add(new Move(job, t.attempt().stage()));
                Attempt a = new Attempt(t.attempt().source(), t.attempt().stage(), Phase.MOVE, job, plus(now, r.acquireNanos()),
                        t.attempt().mnt(), t.attempt().server());
                yield out.to(new Acquiring(Round.from(a.source()), a), out.reason());
            }
        };
        if (e instanceof Timeout && x.job() != 0) {
            out.add(new Kill(x.job()));
            out.note("detaching did not finish within " + Durations.format(Duration.ofNanos(RELEASE_NANOS)) + "; trying again");
        }
        if (e instanceof Exited d && !d.success() || e instanceof Refused) { // wait a little: an unmount that fails at once must not spin
            out.note("detaching failed: " + (e instanceof Exited d ? d.why() : ((Refused) e).why()) + "; trying again");
            return out.to(new Releasing(x.live(), 0, plus(now, RETRY_FIRST), x.then(), x.lost()), out.reason());
        }
        int job = out.job(); // a mount remains (another one stacked there): detach the next
        out.add(new Unmount(job, x.lost() ? FORCE : DETACH));
        return out.to(new Releasing(x.live(), job, plus(now, RELEASE_NANOS), x.then(), x.lost()), out.reason());
    }

    /** The state as status shows it. */
    static RootState name(State s) {
        return switch (s) {
            case Down d -> RootState.DOWN;
            case Acquiring a -> RootState.ACQUIRING;
            case Up u -> RootState.UP;
            case Releasing r -> r.lost() ? RootState.LOST : RootState.RELEASING;
            case Failed f -> RootState.FAILED;
        };
    }

    static long backoff(int n, double jitter) {
        long d = RETRY_FIRST << Math.min(n - 1, 20);
        return (long) (Math.min(RETRY_MAX, d) * (1 - 0.25 * jitter));
    }

    /** True once deadline has come; Long.MAX_VALUE is no deadline. nanoTime values are compared by difference. */
    static boolean due(long deadline, long now) {
        return deadline != Long.MAX_VALUE && now - deadline >= 0;
    }

    static long plus(long now, long nanos) {
        long t = now + nanos;
        return t == Long.MAX_VALUE || (nanos > 0 && t < now) ? Long.MAX_VALUE - 1 : t;
    }
}

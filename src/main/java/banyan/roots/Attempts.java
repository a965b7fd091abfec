package banyan.roots;

import banyan.config.Durations;
import banyan.roots.Root.*;

import java.time.Duration;
import java.util.Optional;

import static banyan.roots.RootLifecycle.due;
import static banyan.roots.RootLifecycle.plus;

/** One attempt at a source, wherever it runs (acquiring, or a failback trial while up): mount, probe, move. */
final class Attempts {
    private Attempts() {}

    static Attempt start(Rules r, Out out, int source, long now) {
        Attempt a = new Attempt(source, out.stage(), Phase.MOUNT, out.job(), plus(now, r.acquireNanos()), Optional.empty(), 0);
        out.add(new Mount(a.job(), source, a.stage()));
        return a;
    }

    /** What an event does to an attempt, wherever it runs (acquiring, or a failback trial while up). */
    sealed interface Outcome {}

    record Same() implements Outcome {}

    record Progress(Attempt attempt) implements Outcome {}

    /** Mounted at its stage and probed healthy: ready to move into place. */
    record Ready(Attempt attempt) implements Outcome {}

    record Moved(Attempt attempt) implements Outcome {}

    record Fail(String why) implements Outcome {}

    static Outcome step(Rules r, Out out, Attempt a, Event e, Seen seen, long now) {
        return switch (e) {
            case Timeout t when due(a.deadline(), now) -> new Fail("not " + switch (a.phase()) {
                case MOUNT -> "mounted";
                case CHECK -> "probed healthy";
                case MOVE -> "moved into place";
            } + " within acquire_timeout (" + Durations.format(Duration.ofNanos(r.acquireNanos())) + ")");
            case Exited x when x.job() == a.job() -> switch (a.phase()) {
                case MOUNT -> x.success() && seen.staged().isPresent()
                        ? mounted(r, out, new Attempt(a.source(), a.stage(), a.phase(), a.job(), a.deadline(), seen.staged(), 0))
                        : new Fail(x.success() ? "its helper exited 0 but nothing is mounted at its {target}" : x.why());
                case CHECK -> x.success() ? new Ready(a) : new Fail("probe: " + x.why());
                case MOVE -> !x.success() ? new Fail("move: " + x.why())
                        : seen.live().map(Mnt::id).equals(a.mnt().map(Mnt::id)) ? new Moved(a)
                        : new Fail("moved, but the root's place does not show its mount");
            };
            case Exited x when x.job() == a.server() -> x.success()
                    ? new Progress(new Attempt(a.source(), a.stage(), a.phase(), a.job(), a.deadline(), a.mnt(), 0))
                    : new Fail("its mount helper died: " + x.why());
            case Refused x when x.job() == a.job() -> new Fail(x.why());
            case Table t when a.phase() == Phase.MOUNT && r.servers().get(a.source()) && seen.staged().isPresent() ->
                    mounted(r, out, new Attempt(a.source(), a.stage(), a.phase(), a.job(), a.deadline(), seen.staged(), a.job()));
            default -> new Same();
        };
    }

    private static Outcome mounted(Rules r, Out out, Attempt a) {
        if (!r.probe()) return new Ready(a);
        int job = out.job();
        out.add(new Root.Probe(job, a.stage()));
        return new Progress(a.next(Phase.CHECK, job));
    }

}

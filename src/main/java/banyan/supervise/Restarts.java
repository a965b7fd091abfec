package banyan.supervise;

import banyan.config.Durations;
import banyan.config.RestartPolicy;

import java.util.ArrayList;
import java.util.List;

/**
 * The restart verdict: whether a service whose main process ended, or never started, runs
 * again, and when. It is decided here and nowhere else, from the service's
 * {@link RestartPolicy} and its {@link History}: the restart mode, the backoff delay, the
 * intensity (Erlang's: more than max_restarts quick deaths within restart_window, and the service
 * is given up on), and the retry of a spawn that failed for a passing shortage. Pure, so its
 * tests are tables ({@code RestartsTest}); {@link Lifecycle} turns a verdict into a state.
 */
final class Restarts {
    private Restarts() {}

    /**
     * How long a spawn that failed for a passing shortage (EAGAIN, ENOMEM, EMFILE, ENFILE) waits
     * before it is tried again. One second: a shortage of processes, memory or fds ends when
     * other programs exit or free what they hold, and asking more often does not make that
     * sooner; a failed spawn costs a few system calls, so one a second is nothing even for a
     * thousand services, and a service is back within a second of the shortage's end. Fixed,
     * never doubled, and not counted as a death: a shortage says nothing about the service, so
     * it must never put a healthy service in `failed`.
     */
    static final long SHORTAGE_RETRY_NANOS = 1_000_000_000L;

    /**
     * What a service's deaths left to remember: the next backoff delay, and the recent quick
     * deaths (a list of times pruned to the window). Immutable; each verdict returns the next.
     */
    record History(long nextDelayNanos, List<Long> quickDeaths) {
        static History fresh(RestartPolicy p) {
            return new History(p.backoff().toNanos(), List.of());
        }
    }

    sealed interface Verdict {
        History history();
    }

    /** Not restarted, by its restart mode: it rests in `failed` if it ended in failure, else in `down`. */
    record Rest(boolean failed, History history) implements Verdict {}

    record Now(History history) implements Verdict {}

    record After(long delayNanos, History history) implements Verdict {}

    /** Too many quick deaths: `failed`, for the reason given. */
    record GiveUp(String reason, History history) implements Verdict {}

    /**
     * After the main process ended, or a spawn failed for good.
     *
     * @param failure it ended in failure: a non-zero exit, a signal, or a spawn that failed
     * @param uptime  how long the instance ran; negative when it never ran (always a quick death)
     * @param jitter  a number in [0, 1): delays vary by ±20% so that services that died together
     *                do not come back together and die together again
     */
    static Verdict afterDeath(RestartPolicy p, History h, boolean failure, long now, long uptime, double jitter) {
        boolean restart = switch (p.mode()) {
            case ALWAYS -> true;
            case ON_FAILURE -> failure;
            case NEVER -> false;
        };
        if (!restart) return new Rest(failure, h);
        if (uptime >= p.backoffReset().toNanos()) return new Now(History.fresh(p)); // healthy for long: growth starts over
        if (uptime >= p.minUptime().toNanos()) return new Now(h);                  // killed by accident: back at once
        long windowStart = now - p.restartWindow().toNanos();
        List<Long> deaths = new ArrayList<>(h.quickDeaths().stream().filter(t -> t > windowStart).toList());
        deaths.add(now);
        if (deaths.size() > p.maxRestarts())
            return new GiveUp(deaths.size() + " quick deaths within " + Durations.format(p.restartWindow())
                    + " (max_restarts = " + p.maxRestarts() + ")", new History(h.nextDelayNanos(), List.copyOf(deaths)));
        long delay = Math.round(h.nextDelayNanos() * (0.8 + 0.4 * jitter));
        long next = Math.min(h.nextDelayNanos() * 2, p.backoffMax().toNanos());
        return new After(delay, new History(next, List.copyOf(deaths)));
    }

    /** After a spawn that failed for a passing shortage: the same start again in a fixed while, the history untouched. */
    static After afterShortage(History h) {
        return new After(SHORTAGE_RETRY_NANOS, h);
    }
}

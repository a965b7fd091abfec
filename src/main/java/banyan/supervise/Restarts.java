package banyan.supervise;

import banyan.config.RestartPolicy;

import java.util.ArrayList;
import java.util.List;

/**
 * The memory of a restart policy: the next backoff delay and the recent quick deaths (Erlang's
 * intensity: a list of timestamps pruned to the window). Immutable; each death returns a new one.
 */
record Restarts(long nextDelayNanos, List<Long> quickDeaths) {
    static Restarts fresh(RestartPolicy p) {
        return new Restarts(p.backoff().toNanos(), List.of());
    }

    /** What to do after a death: restart now, after a delay, or give up. */
    sealed interface Decision {
        Restarts memory();
    }

    record Now(Restarts memory) implements Decision {}

    record After(long delayNanos, Restarts memory) implements Decision {}

    record GiveUp(String reason, Restarts memory) implements Decision {}

    /**
     * @param uptime how long the instance ran
     * @param jitter a number in [0, 1): delays vary by ±20% so that services that died together
     *               do not come back together and die together again
     */
    Decision afterDeath(RestartPolicy p, long now, long uptime, double jitter) {
        if (uptime >= p.backoffReset().toNanos()) return new Now(fresh(p));
        if (uptime >= p.minUptime().toNanos()) return new Now(this);
        long windowStart = now - p.restartWindow().toNanos();
        List<Long> deaths = new ArrayList<>(quickDeaths.stream().filter(t -> t > windowStart).toList());
        deaths.add(now);
        if (deaths.size() > p.maxRestarts())
            return new GiveUp(deaths.size() + " quick deaths within " + banyan.config.Durations.format(p.restartWindow())
                    + " (max_restarts = " + p.maxRestarts() + ")", new Restarts(nextDelayNanos, List.copyOf(deaths)));
        long delay = Math.round(nextDelayNanos * (0.8 + 0.4 * jitter));
        long next = Math.min(nextDelayNanos * 2, p.backoffMax().toNanos());
        return new After(delay, new Restarts(next, List.copyOf(deaths)));
    }
}

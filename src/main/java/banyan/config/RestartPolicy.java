package banyan.config;

import java.time.Duration;

/**
 * When and how fast a service that died is started again. Defaults are stated once, here.
 *
 * @param mode          always (s6's default) | on-failure | never
 * @param minUptime     a death after this much uptime is restarted at once: a healthy service killed by accident is back in milliseconds
 * @param backoff       first delay after a quick death; doubles each time, so a crash loop never burns a core
 * @param backoffMax    cap of that growth
 * @param backoffReset  uptime after which the growth starts over
 * @param maxRestarts   more quick deaths than this within restartWindow put the service in `failed` (Erlang's intensity)
 * @param restartWindow the period of that count
 */
public record RestartPolicy(Mode mode, Duration minUptime, Duration backoff, Duration backoffMax, Duration backoffReset,
                            int maxRestarts, Duration restartWindow) {
    public enum Mode { ALWAYS, ON_FAILURE, NEVER }

    public static final RestartPolicy DEFAULT = new RestartPolicy(Mode.ALWAYS, Duration.ofSeconds(1), Duration.ofMillis(100),
            Duration.ofSeconds(30), Duration.ofSeconds(10),
            5, Duration.ofSeconds(30)); // like systemd's 5 starts per interval: a real crash loop is given up on in ~3 s

    /** A oneshot's: it runs to completion once, so it is not restarted unless asked. */
    public static final RestartPolicy ONESHOT = DEFAULT.withMode(Mode.NEVER);

    public RestartPolicy withMode(Mode m) {
        return new RestartPolicy(m, minUptime, backoff, backoffMax, backoffReset, maxRestarts, restartWindow);
    }

    public RestartPolicy withMinUptime(Duration d) {
        return new RestartPolicy(mode, d, backoff, backoffMax, backoffReset, maxRestarts, restartWindow);
    }

    public RestartPolicy withBackoff(Duration d) {
        return new RestartPolicy(mode, minUptime, d, backoffMax, backoffReset, maxRestarts, restartWindow);
    }

    public RestartPolicy withBackoffMax(Duration d) {
        return new RestartPolicy(mode, minUptime, backoff, d, backoffReset, maxRestarts, restartWindow);
    }

    public RestartPolicy withBackoffReset(Duration d) {
        return new RestartPolicy(mode, minUptime, backoff, backoffMax, d, maxRestarts, restartWindow);
    }

    public RestartPolicy withMaxRestarts(int n) {
        return new RestartPolicy(mode, minUptime, backoff, backoffMax, backoffReset, n, restartWindow);
    }

    public RestartPolicy withRestartWindow(Duration d) {
        return new RestartPolicy(mode, minUptime, backoff, backoffMax, backoffReset, maxRestarts, d);
    }
}

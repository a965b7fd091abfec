package banyan.config;

import java.time.Duration;
import java.util.Optional;

/**
 * When a service counts as ready, and how it stays alive: keys `ready`, `start_timeout`,
 * `liveness` and `watchdog`.
 *
 * @param probe        none: ready as soon as it is spawned
 * @param interval     between two polled probes
 * @param timeout      of one polled probe
 * @param startTimeout not ready by then: stopped and counted as a failed start
 * @param watchdog     with notify: WATCHDOG=1 must arrive at least this often, or the service is restarted
 */
public record Readiness(Optional<Probe> probe, Duration interval, Duration timeout, Optional<Duration> startTimeout,
                        Optional<Liveness> liveness, Optional<Duration> watchdog) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(100), DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    /** Without start_timeout, a service that waits for readiness gets this long (systemd's default is 90s). */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);
    public static final Readiness NONE = new Readiness(Optional.empty(), DEFAULT_INTERVAL, DEFAULT_TIMEOUT,
            Optional.empty(), Optional.empty(), Optional.empty());

    /** A probe run while the service is up; `failures` failures in a row restart it. */
    public record Liveness(Probe probe, Duration interval, Duration timeout, int failures) {}

    public boolean usesNotify() {
        return probe.filter(p -> p instanceof Probe.Notify).isPresent();
    }
}

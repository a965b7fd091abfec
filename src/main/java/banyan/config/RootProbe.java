package banyan.config;

import java.time.Duration;
import java.util.List;

/**
 * How a root is watched: a check started every interval in a child process, failed when it does
 * not pass within timeout; failures in a row make the root lost. The detection budget after a
 * freeze is interval × failures + timeout.
 */
public record RootProbe(Check check, Duration interval, Duration timeout, int failures) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1), DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_FAILURES = 2;

    public sealed interface Check {}

    /** Open and read this file (a path inside the root): stat alone is answered from a FUSE cache. */
    public record File(String path) implements Check {}

    /** Run this program inside the root (chroot to it); exit 0 passes. */
    public record Exec(List<String> argv) implements Check {
        public Exec {
            argv = List.copyOf(argv);
        }
    }
}

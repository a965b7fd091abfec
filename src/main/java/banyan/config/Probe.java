package banyan.config;

import java.util.List;
import java.util.regex.Pattern;

/** How banyan learns that a service is ready (or still alive): key `ready` and `liveness` (design.md section 3). */
public sealed interface Probe {
    /** sd_notify: the service sends READY=1 to NOTIFY_SOCKET. */
    record Notify() implements Probe {}

    /** s6: the service writes a newline to this fd. */
    record Fd(int fd) implements Probe {}

    /** A TCP connect succeeds. */
    record Tcp(String host, int port) implements Probe {}

    /** An HTTP GET answers 2xx. */
    record Http(String url) implements Probe {}

    /** A command exits 0 (run by banyan's own spawn, killed at the timeout). */
    record Exec(List<String> argv) implements Probe {
        public Exec {
            argv = List.copyOf(argv);
        }
    }

    /** A line of the service's output matches. Compared by pattern text, so two equal configs stay equal. */
    record Log(String regex) implements Probe {
        public Pattern pattern() {
            return Pattern.compile(regex);
        }
    }

    /** True for the kinds that banyan runs itself, again and again, at an interval. */
    default boolean polled() {
        return this instanceof Tcp || this instanceof Http || this instanceof Exec;
    }
}

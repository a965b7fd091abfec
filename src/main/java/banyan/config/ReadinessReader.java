package banyan.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Reads a service's `ready`, `start_timeout`, `liveness` and `watchdog` keys. */
final class ReadinessReader {
    private ReadinessReader() {}

    private static final List<String> READY_KINDS = List.of("notify", "fd", "tcp", "http", "exec", "log");
    private static final List<String> LIVENESS_KINDS = List.of("tcp", "http", "exec");
    private static final Set<String> READY_KEYS = Set.of("notify", "fd", "tcp", "http", "exec", "log", "interval", "timeout");
    private static final Set<String> LIVENESS_KEYS = Set.of("tcp", "http", "exec", "interval", "timeout", "failures");

    static Readiness read(Fields f) {
        Optional<Fields> ready = f.table("ready");
        Optional<Probe> probe = Optional.empty();
        Duration interval = Readiness.DEFAULT_INTERVAL, timeout = Readiness.DEFAULT_TIMEOUT;
        if (ready.isPresent()) {
            Fields r = ready.get();
            r.rejectUnknown(READY_KEYS);
            probe = probe(r, READY_KINDS);
            interval = r.positiveDuration("interval").orElse(interval);
            timeout = r.positiveDuration("timeout").orElse(timeout);
        }
        Optional<Duration> start = f.positiveDuration("start_timeout");
        Optional<Readiness.Liveness> liveness = f.table("liveness").flatMap(l -> {
            l.rejectUnknown(LIVENESS_KEYS);
            Optional<Probe> p = probe(l, LIVENESS_KINDS);
            Duration i = l.positiveDuration("interval").orElse(Duration.ofSeconds(10));
            Duration t = l.positiveDuration("timeout").orElse(Readiness.DEFAULT_TIMEOUT);
            int failures = l.integer("failures", 1, 1000).map(Long::intValue).orElse(3);
            return p.map(x -> new Readiness.Liveness(x, i, t, failures));
        });
        Optional<Duration> watchdog = f.positiveDuration("watchdog");
        if (watchdog.isPresent() && !(probe.orElse(null) instanceof Probe.Notify))
            f.error("watchdog", "needs ready = { notify = true }: the service pings with sd_notify WATCHDOG=1");
        return new Readiness(probe, interval, timeout, start, liveness, watchdog);
    }

    /** Exactly one of kinds, parsed. */
    private static Optional<Probe> probe(Fields r, List<String> kinds) {
        List<String> given = kinds.stream().filter(r::has).toList();
        if (given.size() != 1) {
            r.error(null, (given.isEmpty() ? "names no probe" : "names " + String.join(" and ", given))
                    + "; give exactly one of: " + String.join(", ", kinds));
            return Optional.empty();
        }
        String kind = given.getFirst();
        return switch (kind) {
            case "notify" -> r.bool("notify").flatMap(b -> {
                if (!b) r.error("notify", "only notify = true means something; remove the key instead");
                return b ? Optional.of(new Probe.Notify()) : Optional.empty();
            });
            case "fd" -> r.integer("fd", 3, 1023).map(n -> new Probe.Fd(n.intValue()));
            case "tcp" -> r.string("tcp").flatMap(t -> tcp(r, t));
            case "http" -> r.string("http").flatMap(u -> {
                if (u.matches("http://[^/\\s]+(/\\S*)?")) return Optional.of(new Probe.Http(u));
                r.error("http", "'" + u + "' must be a URL such as \"http://127.0.0.1:8080/health\" (https is not probed)");
                return Optional.empty();
            });
            case "exec" -> r.argv("exec", "the program to run").map(Probe.Exec::new);
            default -> r.string("log").flatMap(x -> {
                try {
                    Pattern.compile(x);
                    return Optional.of(new Probe.Log(x));
                } catch (PatternSyntaxException e) {
                    r.error("log", "'" + x + "' is not a regular expression: " + e.getDescription());
                    return Optional.empty();
                }
            });
        };
    }

    private static Optional<Probe> tcp(Fields r, String text) {
        int colon = text.lastIndexOf(':');
        if (colon > 0) {
            String host = text.substring(0, colon).replaceAll("^\\[(.*)]$", "$1");
            try {
                int port = Integer.parseInt(text.substring(colon + 1));
                if (port > 0 && port < 65536) return Optional.of(new Probe.Tcp(host, port));
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        r.error("tcp", "'" + text + "' must be host:port, such as \"127.0.0.1:6379\"");
        return Optional.empty();
    }

}

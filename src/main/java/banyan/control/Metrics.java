package banyan.control;

import banyan.logs.Logs;
import banyan.supervise.ServiceState;
import banyan.supervise.ServiceStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/** The Prometheus text format (version 0.0.4) of GET /metrics. */
final class Metrics {
    private Metrics() {}

    static String render(List<ServiceStatus> all, Logs logs, long orphans, Instant started, Instant now, List<Connections> listeners) {
        StringBuilder b = new StringBuilder();
        family(b, all, "banyan_service_up", "gauge", "1 when the service is up", s -> s.state() == ServiceState.UP ? "1" : "0");
        family(b, all, "banyan_service_ready", "gauge", "1 when the service is ready", s -> s.ready() ? "1" : "0");
        family(b, all, "banyan_service_restarts_total", "counter", "times the service was started again", s -> String.valueOf(s.restarts()));
        family(b, all, "banyan_service_last_exit_code", "gauge", "exit code of the last exit (128+N when killed by signal N); -1 before any",
                s -> String.valueOf(s.lastExit().map(x -> x.shellCode()).orElse(-1)));
        family(b, all, "banyan_service_uptime_seconds", "gauge", "seconds since the service came up; 0 when it is not up",
                s -> s.state() == ServiceState.UP ? seconds(Duration.between(s.since(), now)) : "0");
        family(b, all, "banyan_service_log_lines_lost_total", "counter", "output lines that could not be written to the log file",
                s -> String.valueOf(logs.lost(s.name())));
        single(b, "banyan_orphans_reaped_total", "counter", "orphaned processes reaped by banyan", String.valueOf(orphans));
        single(b, "banyan_uptime_seconds", "gauge", "seconds since banyan started", seconds(Duration.between(started, now)));
        listeners(b, listeners, "banyan_api_connections", "gauge", "connections open now on the listener", c -> c.open());
        listeners(b, listeners, "banyan_api_connections_max", "gauge", "connections the listener keeps open at most", c -> c.max());
        listeners(b, listeners, "banyan_api_connections_evicted_total", "counter",
                "quiet connections (no request in progress) closed to make room for a new one", Connections::evicted);
        listeners(b, listeners, "banyan_api_connections_refused_total", "counter",
                "new connections answered 503 because every open one had a request in progress", Connections::refused);
        return b.toString();
    }

    /** Per root: up, losses, and how long its last acquisition took (acquiring to up; -1 before any). */
    static String roots(List<banyan.roots.RootStatus> all, java.util.function.ToDoubleFunction<String> acquireSeconds) {
        StringBuilder b = new StringBuilder();
        rootFamily(b, all, "banyan_root_up", "gauge", "1 when the root is up", r -> r.up() ? "1" : "0");
        rootFamily(b, all, "banyan_root_losses_total", "counter", "times the root was lost since banyan started", r -> String.valueOf(r.losses()));
        rootFamily(b, all, "banyan_root_acquire_seconds", "gauge", "seconds its last acquisition took, from acquiring to up; -1 before any",
                r -> String.valueOf(acquireSeconds.applyAsDouble(r.name())));
        return b.toString();
    }

    private static void rootFamily(StringBuilder b, List<banyan.roots.RootStatus> all, String name, String type, String help,
                                   Function<banyan.roots.RootStatus, String> value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        // root names hold only [A-Za-z0-9_-]: no escaping
        for (var r : all) b.append(name).append("{root=\"").append(r.name()).append("\"} ").append(value.apply(r)).append('\n');
    }

    private static void family(StringBuilder b, List<ServiceStatus> all, String name, String type, String help,
                               Function<ServiceStatus, String> value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        // service names hold only [A-Za-z0-9_.@-], so label values need no escaping
        for (ServiceStatus s : all) b.append(name).append("{service=\"").append(s.name()).append("\"} ").append(value.apply(s)).append('\n');
    }

    private static void listeners(StringBuilder b, List<Connections> all, String name, String type, String help,
                                  java.util.function.ToLongFunction<Connections> value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        for (Connections c : all) b.append(name).append("{listener=\"").append(c.listener).append("\"} ").append(value.applyAsLong(c)).append('\n');
    }

    private static void single(StringBuilder b, String name, String type, String help, String value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        b.append(name).append(' ').append(value).append('\n');
    }

    private static String seconds(Duration d) {
        return String.valueOf(d.toMillis() / 1000.0);
    }
}

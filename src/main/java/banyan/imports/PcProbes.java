package banyan.imports;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** process-compose's readiness_probe, liveness_probe and ready_log_line as banyan's ready and liveness. */
final class PcProbes {
    private PcProbes() {}

    static void probe(YMap p, String key, Draft d, List<String> shell, String workingDir, String restart, UnaryOperator<String> render)
            throws ImportException {
        if (key.equals("ready_log_line")) {
            String line = p.str(key).orElse("");
            d.set("ready", Map.of("log", line.replaceAll("[\\\\^$.|?*+()\\[\\]{}]", "\\\\$0")), "ready_log_line: a line that contains it");
            return;
        }
        YMap probe = p.map(key).orElseThrow();
        Map<String, Object> kind = kind(probe, d, key, shell, workingDir, render);
        if (kind == null) return;
        Map<String, Object> t = new LinkedHashMap<>(kind);
        for (String k : probe.keys()) {
            switch (k) {
                case "exec", "http_get" -> {}
                case "period_seconds" -> t.put("interval", Values.seconds(Math.max(1, probe.integer(k).orElse(10L))));
                case "timeout_seconds" -> t.put("timeout", Values.seconds(Math.max(1, probe.integer(k).orElse(1L))));
                case "failure_threshold" -> {
                    if (key.equals("liveness_probe")) t.put("failures", Math.max(1, probe.integer(k).orElse(3L)));
                }
                case "initial_delay_seconds" -> d.none(key + "." + k, probe.text(k), key.equals("readiness_probe")
                        ? "banyan probes at once and again until ready (start_timeout)" : "banyan probes liveness only once the service is ready");
                case "success_threshold" -> d.none(key + "." + k, probe.text(k), "one success is enough (process-compose does not use it either)");
                default -> d.none(key + "." + k, probe.text(k), "not a key of a process-compose probe; left out");
            }
        }
        if (key.equals("liveness_probe")) {
            d.set("liveness", t, "liveness_probe");
            return;
        }
        Map<String, Object> ready = new LinkedHashMap<>(t);
        ready.remove("failures");
        d.set("ready", ready, "readiness_probe");
        if (!restart.equals("no") && !p.has("liveness_probe")) {
            Map<String, Object> live = new LinkedHashMap<>(kind);
            live.put("interval", t.getOrDefault("interval", "10s"));
            if (t.containsKey("timeout")) live.put("timeout", t.get("timeout"));
            live.put("failures", probe.integer("failure_threshold").orElse(3L));
            d.set("liveness", live, "process-compose restarts a process whose readiness probe fails later too");
        }
    }

    /** { exec = [...] } or { http = "..." }; null (with a comment) when banyan cannot probe it so. */
    private static Map<String, Object> kind(YMap probe, Draft d, String key, List<String> shell, String workingDir, UnaryOperator<String> render)
            throws ImportException {
        if (probe.has("exec")) {
            YMap e = probe.map("exec").orElseThrow();
            String cmd = render.apply(e.str("command").orElseThrow(() -> e.error("command", "is missing: the probe's command")));
            e.str("working_dir").ifPresent(w -> {
                if (!w.equals(workingDir)) d.none(key + ".exec.working_dir", w, "banyan runs probes where the service runs; cd in the command");
            });
            return Map.of("exec", List.of(shell.get(0), shell.get(1), cmd));
        }
        if (probe.has("http_get")) {
            YMap h = probe.map("http_get").orElseThrow();
            String scheme = render.apply(h.str("scheme").orElse("http")).toLowerCase(java.util.Locale.ROOT);
            String host = render.apply(h.str("host").orElse("127.0.0.1"));
            String port = h.has("num_port") ? h.str("num_port").orElseThrow() : render.apply(h.str("port").orElse(""));
            String path = render.apply(h.str("path").orElse("/"));
            for (String k : h.keys())
                if (k.equals("headers") || k.equals("status_code")) d.none(key + ".http_get." + k, h.text(k), "banyan sends a plain GET and takes any 2xx");
            if (!scheme.equals("http")) {
                d.none(key + ".http_get.scheme", scheme, "banyan probes plain http only; write an exec probe with curl instead");
                return null;
            }
            String url = "http://" + (host.isEmpty() ? "127.0.0.1" : host) + (port.isEmpty() ? "" : ":" + port) + (path.startsWith("/") ? path : "/" + path);
            return Map.of("http", url);
        }
        d.none(key, "{...}", "names neither exec nor http_get; left out");
        return null;
    }
}

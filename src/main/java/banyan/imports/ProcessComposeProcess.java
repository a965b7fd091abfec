package banyan.imports;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One process of a process-compose.yaml (one replica of it): a banyan service, key by key. */
final class ProcessComposeProcess {
    private static final Map<String, String> NONE = Map.ofEntries(
            Map.entry("namespace", "banyan has no namespaces; a [target.NAME] lists services to bring up together"),
            Map.entry("log_location", "banyan writes the output to log_dir/NAME.log"),
            Map.entry("log_configuration", "banyan writes each line as TIME STREAM TEXT, rotated at the top-level log_max_size"),
            Map.entry("truncate_log", "banyan appends to the log and rotates it"),
            Map.entry("disable_ansi_colors", "banyan writes the output as the service wrote it"),
            Map.entry("is_tty", "banyan gives a service no terminal: stdin is /dev/null, stdout and stderr are pipes"),
            Map.entry("is_interactive", "banyan gives a service no terminal: stdin is /dev/null"),
            Map.entry("is_elevated", "banyan runs no sudo; run banyan as root and give the others a user"),
            Map.entry("launch_timeout_seconds", "banyan supervises no daemon that forks away"),
            Map.entry("schedule", "banyan has no schedules"),
            Map.entry("watch", "banyan restarts nothing on file changes"),
            Map.entry("mcp", "banyan has no MCP server"),
            Map.entry("monitor_for", "banyan has no TUI"),
            Map.entry("monitor_silence_threshold", "banyan has no TUI"),
            Map.entry("success_exit_codes", "banyan counts only exit 0 as a success"),
            Map.entry("extends", "merge the extended process by hand"),
            Map.entry("is_dotenv_disabled", "honoured: no .env for this service"),
            Map.entry("is_template_disabled", "honoured: command was not rendered"),
            Map.entry("name", "the name is the key under processes"),
            Map.entry("vars", "used to render {{.NAME}} here"));

    private final ProcessCompose.Shared shared;
    private final String process, name;
    private final int replica, replicas;
    private final YMap p;
    private final Document doc;
    private final List<String> notes = new ArrayList<>();
    private final Map<String, String> vars = new LinkedHashMap<>();

    ProcessComposeProcess(ProcessCompose.Shared shared, String process, String name, int replica, int replicas, YMap p, Document doc) {
        this.shared = shared;
        this.process = process;
        this.name = name;
        this.replica = replica;
        this.replicas = replicas;
        this.p = p;
        this.doc = doc;
    }

    void translate() throws ImportException {
        vars.putAll(shared.vars());
        if (p.has("vars")) {
            YMap v = p.map("vars").orElseThrow();
            for (String k : v.keys()) vars.put(k, YMap.text(v.node(k)));
        }
        vars.put("PC_REPLICA_NUM", String.valueOf(replica));
        Draft d = doc.service(name);
        d.comment("processes." + process + " at " + shared.file().getFileName() + ":" + p.line
                + (replicas > 1 ? ", replica " + replica + " of replicas = " + replicas : ""));
        boolean oneshot = shared.awaited().contains(process) || shared.awaited().contains(name);
        String restart = "no";
        if (p.has("availability")) restart = p.map("availability").orElseThrow().str("restart").orElse("no");
        if (oneshot && !restart.equals("no")) oneshot = false;
        boolean templates = !p.bool("is_template_disabled").orElse(false);
        String command = p.str("command").map(c -> templates ? render(c) : c).orElse(null);
        if (command != null) {
            d.set("command", List.of(shared.shell().get(0), shared.shell().get(1), command), "run by process-compose's shell");
            if (p.has("entrypoint")) d.none("entrypoint", p.text("entrypoint"), "process-compose runs command when both are set");
        } else if (p.has("entrypoint")) {
            List<String> argv = p.strings("entrypoint").orElseThrow();
            if (argv.isEmpty()) throw p.error("entrypoint", "is empty");
            d.set("command", argv, "entrypoint");
        } else throw new ImportException(shared.file(), p.line, "processes." + process + " has neither command nor entrypoint");
        if (oneshot) d.set("type", "oneshot", "another process waits for it to complete");
        Map<String, String> env = new LinkedHashMap<>(shared.env());
        if (p.has("environment")) for (var e : ProcessCompose.environment(p, "environment").entrySet()) env.put(e.getKey(), render(e.getValue()));
        env.put("PC_PROC_NAME", process);
        env.put("PC_REPLICA_NUM", String.valueOf(replica));
        d.set("env", env, "with process-compose's PC_PROC_NAME and PC_REPLICA_NUM");
        String workingDir = null;
        if (p.has("working_dir")) {
            String w = render(p.str("working_dir").orElseThrow());
            workingDir = w.startsWith("/") ? w : shared.file().getParent().resolve(w).normalize().toString();
            d.set("working_dir", workingDir, w.startsWith("/") ? null : "working_dir = " + w + ", from the file's directory");
        }
        if (p.has("env_file")) {
            String f = p.str("env_file").orElseThrow();
            String base = workingDir != null ? workingDir : shared.file().getParent().toString();
            d.set("env_file", f.startsWith("/") ? f : java.nio.file.Path.of(base).resolve(f).normalize().toString(), "env_file");
        } else if (shared.dotenv() != null && !p.bool("is_dotenv_disabled").orElse(false)) d.set("env_file", shared.dotenv().toString(), ".env");
        if (!restart.equals("no") || !oneshot) availability(d, restart);
        for (String key : p.keys()) {
            switch (key) {
                case "command", "entrypoint", "environment", "working_dir", "env_file", "availability", "replicas" -> {}
                case "depends_on" -> dependencies(d);
                case "readiness_probe", "liveness_probe", "ready_log_line" -> {
                    if (oneshot) d.none(key, p.text(key), "a oneshot is ready when it exits 0");
                    else PcProbes.probe(p, key, d, shared.shell(), workingDir, restart, this::render);
                }
                case "shutdown" -> shutdown(d, oneshot);
                case "disabled", "is_foreground" -> {
                    if (p.bool(key).orElse(false)) {
                        d.autostart = false;
                        d.none(key, "true", "left out of [target.default]; `banyan start NAME` starts it");
                    }
                }
                case "is_disabled" -> {
                    String v = render(p.str(key).orElse(""));
                    if (v.equals("true")) {
                        d.autostart = false;
                        d.none(key, v, "left out of [target.default]; `banyan start NAME` starts it");
                    }
                }
                case "is_daemon" -> {
                    if (p.bool(key).orElse(false)) d.none(key, "true", "banyan supervises the process it starts, and kills what a service "
                            + "leaves behind when it exits: run the program in the foreground (no -d, no fork) instead");
                }
                case "description" -> d.comment("description: " + render(p.str(key).orElse("")));
                default -> d.none(key, p.text(key), NONE.getOrDefault(key, key.startsWith("x-")
                        ? "an extension key; left out" : "not a key of a process-compose process; left out"));
            }
        }
        for (String n : notes) d.comment(n);
    }

    private String render(String s) {
        return GoTemplate.render(s, vars, notes);
    }

    private void availability(Draft d, String restart) throws ImportException {
        YMap a = p.has("availability") ? p.map("availability").orElseThrow() : null;
        String mode = switch (restart) {
            case "always" -> "always";
            case "on_failure" -> "on-failure";
            case "exit_on_failure", "no" -> "never";
            default -> throw p.error("availability", "restart: '" + restart + "' is not always, on_failure, exit_on_failure or no");
        };
        d.set("restart", mode, a == null || !a.has("restart") ? "process-compose's default, availability.restart = no" : "availability.restart = " + restart);
        if (restart.equals("exit_on_failure"))
            d.comment("restart = exit_on_failure: banyan up does not stop the stack for one service; under banyan init, critical = true shuts down when it fails");
        if (a == null) return;
        for (String k : a.keys()) {
            switch (k) {
                case "restart" -> {}
                case "backoff_seconds" -> {
                    String b = Values.seconds(Math.max(1, a.integer(k).orElse(1L)));
                    d.set("backoff", b, "backoff_seconds");
                    d.set("backoff_max", b, "process-compose waits the same each time");
                }
                case "max_restarts" -> {
                    long n = a.integer(k).orElse(0L);
                    if (n > 0) d.set("max_restarts", n, "max_restarts; banyan counts only deaths within min_uptime, within restart_window");
                }
                default -> d.none("availability." + k, a.text(k), "banyan up does not stop the stack when one service ends");
            }
        }
        if (!mode.equals("never") && a.integer("max_restarts").orElse(0L) == 0)
            d.set("max_restarts", 1_000_000L, "process-compose restarts without limit");
    }

    private void dependencies(Draft d) throws ImportException {
        YMap deps = p.map("depends_on").orElseThrow();
        for (String dep : deps.keys()) {
            String cond = deps.map(dep, deps.node(dep)).str("condition").orElse("process_started");
            String kind = switch (cond) {
                case "process_healthy", "process_log_ready", "process_completed_successfully" -> "requires";
                case "process_started", "process_completed" -> "wants";
                default -> throw deps.error(dep, "condition: '" + cond + "' is not process_started, process_healthy, process_log_ready, "
                        + "process_completed or process_completed_successfully");
            };
            for (String n : shared.groups().getOrDefault(dep, List.of(dep))) d.depend(kind, n);
            d.comment("depends_on " + dep + " (" + cond + "): " + kind + (cond.equals("process_started")
                    ? ", so it starts after " + dep + " is up (and ready, when it has a readiness probe)"
                    : cond.equals("process_completed") ? ", so it starts once " + dep + " has run, whatever its exit"
                    : ""));
        }
    }

    private void shutdown(Draft d, boolean oneshot) throws ImportException {
        YMap s = p.map("shutdown").orElseThrow();
        for (String k : s.keys()) {
            switch (k) {
                case "signal" -> {
                    String v = s.str(k).orElse("15");
                    d.set("stop_signal", Values.signal(v).orElseThrow(() -> s.error(k, "'" + v + "' is not a signal number")), "shutdown.signal = " + v);
                }
                case "timeout_seconds" -> d.set("stop_timeout", Values.seconds(Math.max(1, s.integer(k).orElse(10L))), "shutdown.timeout_seconds");
                case "command" -> {
                    String c = render(s.str(k).orElse(""));
                    if (oneshot) d.set("stop_command", List.of(shared.shell().get(0), shared.shell().get(1), c), "shutdown.command");
                    else d.none("shutdown.command", c, "banyan stops a long-running service with stop_signal (a oneshot has stop_command)");
                }
                case "parent_only" -> {
                    if (s.bool(k).orElse(false)) d.none("shutdown.parent_only", "true", "banyan always signals the whole process group");
                }
                default -> d.none("shutdown." + k, s.text(k), "banyan stops a service with stop_signal, then SIGKILL at stop_timeout");
            }
        }
    }
}

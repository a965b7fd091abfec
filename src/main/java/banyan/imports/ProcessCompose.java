package banyan.imports;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** `banyan import process-compose FILE`: a process-compose.yaml as a banyan.toml. */
final class ProcessCompose {
    private ProcessCompose() {}

    private static final Map<String, String> TOP = Map.ofEntries(
            Map.entry("version", "banyan's file has no version"),
            Map.entry("name", "a banyan stack has no name"),
            Map.entry("log_location", "banyan's own messages go to @banyan.log in log_dir"),
            Map.entry("log_level", "banyan has no log levels: it says every state change"),
            Map.entry("log_length", "banyan keeps the last 2000 lines (1 MiB) of each service in memory for `banyan logs`"),
            Map.entry("log_format", "banyan writes each line as TIME STREAM TEXT"),
            Map.entry("is_strict", "banyan always rejects unknown keys"),
            Map.entry("disable_env_expansion", "honoured: ${...} was left as written"),
            Map.entry("is_tui_disabled", "banyan has no TUI; `banyan up` prints states and output"),
            Map.entry("ordered_shutdown", "banyan always stops in the reverse order of the dependencies"),
            Map.entry("extends", "import the extended file too, and merge the two by hand"),
            Map.entry("env_cmds", "banyan runs no commands to fill variables; put them in a wrapper script"),
            Map.entry("mcp_server", "banyan has no MCP server"),
            Map.entry("file_names", "process-compose's own bookkeeping"),
            Map.entry("env_file_names", "process-compose's own bookkeeping"),
            Map.entry("dot_env_vars", "process-compose's own bookkeeping"));

    /** What the processes share: the shell, vars, environment, .env, and which processes others wait to complete. */
    record Shared(Path file, List<String> shell, Map<String, String> vars, Map<String, String> env, Path dotenv,
                  Map<String, List<String>> groups, Set<String> awaited) {}

    static Document read(Path file, Map<String, String> environment) throws ImportException {
        String raw = Import.text(file);
        YMap rawTop = YMap.parse(file, raw);
        Path dotenvFile = file.getParent().resolve(".env");
        Map<String, String> dotenv = Files.isRegularFile(dotenvFile) ? dotenv(dotenvFile) : Map.of();
        boolean noExpansion = rawTop.bool("disable_env_expansion").orElse(false);
        Document doc = new Document("process-compose", file);
        YMap top = rawTop;
        if (!noExpansion) {
            String text;
            try {
                text = EnvSubst.apply(raw, n -> dotenv.getOrDefault(n, environment.getOrDefault(n, "")));
            } catch (IllegalArgumentException e) {
                String[] at = e.getMessage().split(": ", 2);
                throw new ImportException(file, Integer.parseInt(at[0]), at[1]);
            }
            if (!text.equals(raw)) {
                doc.header.add("${...} and $$ were expanded at import time" + (dotenv.isEmpty() ? "" : ", from .env and") + " from the environment, as process-compose does when it loads the file");
                top = YMap.parse(file, text);
            }
        }
        List<String> shell = new ArrayList<>(List.of(environment.getOrDefault("COMPOSE_SHELL", "bash"), "-c"));
        Map<String, String> vars = new LinkedHashMap<>(), env = new LinkedHashMap<>();
        for (String key : top.keys()) {
            switch (key) {
                case "processes" -> {}
                case "environment" -> env.putAll(environment(top, key));
                case "vars" -> {
                    YMap v = top.map(key).orElseThrow();
                    for (String k : v.keys()) vars.put(k, YMap.text(v.node(k)));
                }
                case "shell" -> {
                    YMap s = top.map(key).orElseThrow();
                    s.str("shell_command").ifPresent(x -> shell.set(0, x));
                    s.str("shell_argument").ifPresent(x -> shell.set(1, x));
                }
                case "log_configuration" -> logs(top.map(key).orElseThrow(), doc);
                default -> {
                    if (TOP.containsKey(key)) doc.header.add(key + ": " + top.text(key) + ": " + TOP.get(key));
                    else if (key.startsWith("x-")) doc.header.add(key + ": an extension key, for anchors; left out");
                    else throw top.error(key, "unknown top-level key; process-compose reads processes, environment, vars, shell, "
                                + "log_configuration, " + String.join(", ", TOP.keySet().stream().sorted().toList()) + ", and x-* extensions");
                }
            }
        }
        if (!top.has("processes")) throw new ImportException(file, 0, "no processes: the file must have processes: NAME: {command: ...}");
        YMap procs = top.map("processes").orElseThrow();
        if (!env.isEmpty()) doc.header.add("environment (top level): in every service's env");
        if (!dotenv.isEmpty()) doc.header.add(".env beside the file: every service's env_file, as process-compose reads .env in its directory");
        Map<String, List<String>> groups = new LinkedHashMap<>();
        Set<String> awaited = new HashSet<>();
        for (String name : procs.keys()) {
            YMap p = procs.map(name, procs.node(name));
            long replicas = Math.max(1, p.integer("replicas").orElse(1L));
            List<String> names = new ArrayList<>();
            int width = 1 + (int) Math.log10(replicas);
            for (int r = 0; r < replicas; r++) names.add(replicas == 1 ? name : String.format("%s-%0" + width + "d", name, r));
            groups.put(name, names);
            if (p.has("depends_on")) {
                YMap deps = p.map("depends_on").orElseThrow();
                for (String dep : deps.keys()) {
                    String cond = deps.map(dep, deps.node(dep)).str("condition").orElse("process_started");
                    if (cond.startsWith("process_completed")) awaited.add(dep);
                }
            }
        }
        Shared shared = new Shared(file, shell, vars, env, dotenv.isEmpty() ? null : dotenvFile, groups, awaited);
        for (String name : procs.keys()) {
            YMap p = procs.map(name, procs.node(name));
            List<String> names = groups.get(name);
            for (int r = 0; r < names.size(); r++) new ProcessComposeProcess(shared, name, names.get(r), r, names.size(), p, doc).translate();
        }
        return doc;
    }

    /** environment: ["NAME=value", ...], as process-compose reads it. */
    static Map<String, String> environment(YMap m, String key) throws ImportException {
        Map<String, String> env = new LinkedHashMap<>();
        if (!(m.node(key) instanceof org.snakeyaml.engine.v2.nodes.SequenceNode))
            throw m.error(key, "must be a list of \"NAME=value\" strings");
        for (String e : m.strings(key).orElse(List.of())) {
            int eq = e.indexOf('=');
            if (eq <= 0) throw m.error(key, "'" + e + "' is not NAME=value");
            env.put(e.substring(0, eq), e.substring(eq + 1));
        }
        return env;
    }

    /** log_configuration.rotation: banyan's log_max_size and log_max_files; the rest as comments. */
    private static void logs(YMap lc, Document doc) throws ImportException {
        for (String key : lc.keys()) {
            if (!key.equals("rotation")) {
                doc.header.add("log_configuration." + key + ": " + lc.text(key) + ": banyan writes each line as TIME STREAM TEXT, as the service wrote it");
                continue;
            }
            YMap r = lc.map(key).orElseThrow();
            for (String k : r.keys()) {
                switch (k) {
                    case "max_size_mb" -> {
                        long mb = r.integer(k).orElse(0L);
                        if (mb > 0) doc.top.set("log_max_size", mb + "MiB", "log_configuration.rotation.max_size_mb");
                    }
                    case "max_backups" -> doc.top.set("log_max_files", r.integer(k).orElse(0L) + 1, "rotation.max_backups, plus the current file");
                    default -> doc.header.add("log_configuration.rotation." + k + ": " + r.text(k) + ": banyan rotates by size and count only, uncompressed");
                }
            }
        }
    }

    /** A .env file: NAME=value lines, # comments, optional quotes and export (godotenv's common form). */
    private static Map<String, String> dotenv(Path file) throws ImportException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Import.text(file).split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            if (l.startsWith("export ")) l = l.substring(7).strip();
            int eq = l.indexOf('=');
            if (eq <= 0) continue;
            String v = l.substring(eq + 1).strip();
            if (v.length() >= 2 && (v.charAt(0) == '"' || v.charAt(0) == '\'') && v.charAt(v.length() - 1) == v.charAt(0)) v = v.substring(1, v.length() - 1);
            else if (v.contains(" #")) v = v.substring(0, v.indexOf(" #")).strip();
            out.put(l.substring(0, eq).strip(), v);
        }
        return out;
    }
}

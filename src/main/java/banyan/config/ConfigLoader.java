package banyan.config;

import banyan.os.Signals;
import banyan.os.TextFile;
import banyan.os.Users;
import banyan.os.Users.Identity;
import org.tomlj.Toml;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/** Reads a banyan.toml, or a directory of *.toml merged in name order, into a sealed StackConfig. */
public final class ConfigLoader {
    private ConfigLoader() {}

    static final Set<String> TOP_LEVEL = Set.of("boot", "vars", "service", "target", "root", "core", "peer", "peer_timeout", "grid",
            "log_dir", "log_max_size", "log_max_files");
    static final Set<String> SERVICE_KEYS = Set.of("command", "restart", "min_uptime", "backoff", "backoff_max",
            "backoff_reset", "max_restarts", "restart_window", "stop_signal", "stop_timeout", "env", "env_file",
            "working_dir", "user", "group", "ready", "start_timeout", "liveness", "watchdog", "type", "stop_command",
            "requires", "wants", "after", "critical", "logger", "root", "binds");
    static final Set<String> TARGET_KEYS = Set.of("requires", "wants");
    private static final Map<String, RestartPolicy.Mode> MODES = new LinkedHashMap<>();
    static {
        MODES.put("always", RestartPolicy.Mode.ALWAYS);
        MODES.put("on-failure", RestartPolicy.Mode.ON_FAILURE);
        MODES.put("never", RestartPolicy.Mode.NEVER);
    }

    public static StackConfig load(Path path) throws ConfigException {
        return load(path, List.of());
    }

    /** The configuration with layers (vars file, flags, kernel, answers; rising order) laid over its [vars]. */
    public static StackConfig load(Path path, List<VarLayer> layers) throws ConfigException {
        List<Problem> problems = new ArrayList<>();
        List<Path> files = files(path, problems);
        Map<Path, TomlParseResult> parsed = new LinkedHashMap<>();
        for (Path file : files) parse(file, problems).ifPresent(t -> parsed.put(file, t));
        if (!problems.isEmpty()) throw new ConfigException(problems);
        VarsReader vars = new VarsReader(problems);
        Expander none = new Expander(Map.of());
        parsed.forEach((file, toml) -> vars.declare(file, toml, new Fields(file, toml, "top level", null, problems, none)));
        vars.override(layers);
        if (!problems.isEmpty()) throw new ConfigException(problems);
        Expander expander = vars.expander();
        Map<String, String> boot = new LinkedHashMap<>();
        Map<String, Place> bootAt = new LinkedHashMap<>();
        LinkedHashMap<String, ServiceConfig> services = new LinkedHashMap<>();
        Map<String, Target> targets = new LinkedHashMap<>();
        LogConfig[] log = {LogConfig.DEFAULT};
        LinkedHashMap<String, RootConfig> roots = new LinkedHashMap<>();
        List<Optional<CoreReader.Spec>> core = new ArrayList<>(List.of(Optional.empty()));
        LinkedHashMap<String, PeerConfig> peers = new LinkedHashMap<>();
        Duration[] peerTimeout = {GridConfig.DEFAULT_PEER_TIMEOUT};
        parsed.forEach((file, toml) -> readFile(file, toml, expander, boot, bootAt, services, targets, roots, core, log, peers, peerTimeout, problems));
        if (problems.isEmpty()) CoreReader.add(core.getFirst(), services, roots, problems);
        GridConfig grid = new GridConfig(peers, peerTimeout[0]);
        if (problems.isEmpty()) GraphCheck.check(files.getFirst(), services, targets, boot, bootAt, grid, problems);
        if (problems.isEmpty()) RootReader.check(services, roots, problems);
        Set<String> held = vars.held(services.keySet());
        if (!problems.isEmpty()) throw new ConfigException(problems);
        return new StackConfig(files, boot, services, targets, log[0], roots, vars.vars(expander), held, grid);
    }

    private static List<Path> files(Path path, List<Problem> problems) throws ConfigException {
        if (path.toString().isEmpty()) // Path.of("") is the working directory: say what was given instead
            throw new ConfigException(List.of(new Problem(path, 0, 0,
                    "the configuration's name is empty; pass -f FILE (a banyan.toml) or -f DIR (a directory of *.toml)")));
        if (Files.isDirectory(path)) {
            try (Stream<Path> s = Files.list(path)) {
                List<Path> files = s.filter(p -> p.getFileName().toString().endsWith(".toml")).sorted().toList();
                if (files.isEmpty()) throw new ConfigException(List.of(new Problem(path, 0, 0, "directory holds no *.toml file")));
                return files;
            } catch (IOException e) {
                throw new ConfigException(List.of(new Problem(path, 0, 0, "cannot read directory: " + e.getMessage())));
            }
        }
        if (!Files.exists(path))
            throw new ConfigException(List.of(new Problem(path, 0, 0, "no such file; write a banyan.toml (see examples/) or pass -f FILE")));
        return List.of(path);
    }

    private static void readFile(Path file, TomlParseResult toml, Expander vars, Map<String, String> boot, Map<String, Place> bootAt,
                                 Map<String, ServiceConfig> services, Map<String, Target> targets, Map<String, RootConfig> roots,
                                 List<Optional<CoreReader.Spec>> core, LogConfig[] log, Map<String, PeerConfig> peers,
                                 Duration[] peerTimeout, List<Problem> problems) {
        Fields top = new Fields(file, toml, "top level", null, problems, vars);
        top.rejectUnknown(TOP_LEVEL);
        vars.owner("config");
        log[0] = logConfig(top, log[0]);
        if (toml.isTable("boot")) {
            TomlTable b = toml.getTable("boot");
            Fields f = top.sub(b, "boot", toml.inputPositionOf("boot"));
            vars.owner("boot");
            for (String k : b.keySet()) (b.get(List.of(k)) instanceof Boolean on ? Optional.of(on.toString()) : f.string(k)).ifPresent(v -> {
                boot.put(k, v);
                bootAt.put(k, f.place(k));
            });
        } else if (toml.contains("boot")) top.error("boot", "must be a table: [boot]");
        if (toml.contains("service") && !toml.isTable("service")) top.error("service", "must be tables: [service.NAME]");
        vars.owner("config");
        targets(file, toml, top, targets, problems);
        vars.owner("roots");
        RootReader.read(file, toml, top, roots, problems);
        core.set(0, CoreReader.read(file, toml, top, core.getFirst(), problems));
        peerTimeout[0] = PeerReader.read(file, toml, top, peers, peerTimeout[0], problems);
        if (!toml.isTable("service")) return;
        TomlTable all = toml.getTable("service");
        for (String name : inFileOrder(all)) {
            Fields at = top.sub(all, "service", toml.inputPositionOf("service"));
            if (!(all.get(List.of(name)) instanceof TomlTable t)) {
                at.error(name, "must be a table: [service." + name + "]");
                continue;
            }
            Fields f = at.sub(t, "service." + name, all.inputPositionOf(List.of(name)));
            vars.owner("service." + name);
            if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.@-]*") || name.contains("..")) {
                f.error(null, "service name '" + name + "' may hold only letters, digits and _ . @ - (it names files and cgroups)");
                continue;
            }
            ServiceConfig previous = services.get(name);
            if (previous != null) {
                f.error(null, "service '" + name + "' is already defined at " + previous.place());
                continue;
            }
            service(name, f).ifPresent(s -> services.put(name, s));
        }
    }

    /** The file read by the rules of {@link TextFile}, checked for depth, then parsed; empty when a problem was added. */
    private static Optional<TomlParseResult> parse(Path file, List<Problem> problems) {
        String text;
        try {
            text = TextFile.read(file);
        } catch (TextFile.Unreadable e) {
            problems.add(new Problem(file, e.line(), e.column(), e.getMessage()));
            return Optional.empty();
        }
        Optional<Place> deep = TomlDepth.tooDeep(file, text, TomlDepth.MAX);
        if (deep.isPresent()) {
            problems.add(deep.get().problem("arrays and inline tables nest more than " + TomlDepth.MAX
                    + " levels deep here; banyan reads at most " + TomlDepth.MAX));
            return Optional.empty();
        }
        try {
            TomlParseResult toml = Toml.parse(text);
            for (TomlParseError e : toml.errors()) {
                TomlPosition p = e.position();
                problems.add(new Problem(file, p == null ? 0 : p.line(), p == null ? 0 : p.column(),
                        "TOML syntax: " + e.getMessage().replaceFirst(" \\(line \\d+, column \\d+\\)$", "")));
            }
            return toml.hasErrors() ? Optional.empty() : Optional.of(toml);
        } catch (StackOverflowError | RuntimeException e) { // the depth check should make this unreachable: no trace either way
            problems.add(new Problem(file, 0, 0, "the TOML parser gave up on this file (" + (e instanceof StackOverflowError
                    ? "nested too deeply" : e.getMessage()) + "); simplify its structure"));
            return Optional.empty();
        }
    }

    /** tomlj's key sets are unordered; the file's order is the start order. */
    static List<String> inFileOrder(TomlTable t) {
        return t.keySet().stream().sorted(java.util.Comparator
                .comparingInt((String k) -> t.inputPositionOf(List.of(k)).line())
                .thenComparingInt(k -> t.inputPositionOf(List.of(k)).column())).toList();
    }

    private static void targets(Path file, TomlParseResult toml, Fields top, Map<String, Target> targets, List<Problem> problems) {
        if (toml.contains("target") && !toml.isTable("target")) top.error("target", "must be tables: [target.NAME]");
        if (!toml.isTable("target")) return;
        TomlTable all = toml.getTable("target");
        Fields at = top.sub(all, "target", toml.inputPositionOf("target"));
        for (String name : all.keySet()) {
            if (!(all.get(List.of(name)) instanceof TomlTable t)) {
                at.error(name, "must be a table: [target." + name + "]");
                continue;
            }
            Fields f = at.sub(t, "target." + name, all.inputPositionOf(List.of(name)));
            f.rejectUnknown(TARGET_KEYS);
            Target previous = targets.get(name);
            if (previous != null) f.error(null, "target '" + name + "' is already defined at " + previous.place());
            else targets.put(name, new Target(name, f.strings("requires").orElse(List.of()), f.strings("wants").orElse(List.of()), f.place(null)));
        }
    }

    /** Top-level log_dir, log_max_size, log_max_files; a later file of a directory overrides an earlier one. */
    private static LogConfig logConfig(Fields top, LogConfig base) {
        Optional<Path> dir = top.string("log_dir").flatMap(d -> {
            if (d.startsWith("/")) return Optional.of(Path.of(d));
            top.error("log_dir", "'" + d + "' must be an absolute path");
            return Optional.empty();
        });
        long maxSize = top.string("log_max_size").map(s -> {
            Optional<Long> n = Sizes.parse(s);
            if (n.isEmpty()) top.error("log_max_size", "'" + s + "' is not a size; write it like \"4MiB\", \"512KiB\" or \"1000000\"");
            else if (n.get() < LogConfig.MIN_MAX_SIZE) top.error("log_max_size", "must be at least 32KiB (a split line must fit in one file)");
            return n.orElse(base.maxSize());
        }).orElse(base.maxSize());
        int maxFiles = top.integer("log_max_files", 1, 1000).map(Long::intValue).orElse(base.maxFiles());
        return new LogConfig(dir.or(base::dir), maxSize, maxFiles);
    }

    private static Optional<ServiceConfig> service(String name, Fields f) {
        int before = f.problemCount();
        f.rejectUnknown(SERVICE_KEYS);
        List<String> command = command(f);
        // A oneshot is not restarted unless asked: it runs to completion once.
        RestartPolicy d = f.raw("type") instanceof String t && t.equals("oneshot") ? RestartPolicy.ONESHOT : RestartPolicy.DEFAULT;
        RestartPolicy policy = new RestartPolicy(
                f.oneOf("restart", MODES).orElse(d.mode()),
                f.duration("min_uptime").orElse(d.minUptime()),
                f.positiveDuration("backoff").orElse(d.backoff()),
                f.positiveDuration("backoff_max").orElse(d.backoffMax()),
                f.duration("backoff_reset").orElse(d.backoffReset()),
                f.integer("max_restarts", 0, 1_000_000).map(Long::intValue).orElse(d.maxRestarts()),
                f.positiveDuration("restart_window").orElse(d.restartWindow()));
        if (policy.backoffMax().compareTo(policy.backoff()) < 0)
            f.error("backoff_max", "must be at least backoff (" + Durations.format(policy.backoff()) + ")");
        int stopSignal = f.string("stop_signal").map(s -> {
            var n = Signals.number(s);
            if (n.isEmpty()) f.error("stop_signal", "'" + s + "' is not a signal; use a name such as TERM, INT, QUIT, HUP or a number");
            return n.orElse(Signals.TERM);
        }).orElse(Signals.TERM);
        Duration stopTimeout = f.positiveDuration("stop_timeout").orElse(ServiceConfig.DEFAULT_STOP_TIMEOUT);
        Map<String, String> env = new LinkedHashMap<>();
        f.string("env_file").ifPresent(p -> EnvFile.read(f, p, env));
        f.stringMap("env").ifPresent(m -> {
            for (String k : m.keySet())
                if (k.isEmpty() || k.contains("=")) f.error("env", "'" + k + "' is not a variable name: a name is not empty and holds no '='");
            env.putAll(m);
        });
        Optional<String> cwd = f.string("working_dir");
        cwd.ifPresent(dir -> {
            if (!dir.startsWith("/")) f.error("working_dir", "'" + dir + "' must be an absolute path");
        });
        Optional<Identity> user = identity(f);
        Readiness readiness = ReadinessReader.read(f);
        boolean oneshot = f.oneOf("type", Map.of("simple", false, "oneshot", true)).orElse(false);
        Optional<List<String>> stopCommand = Optional.empty();
        if (f.has("stop_command")) {
            if (!oneshot) f.error("stop_command", "only a type = \"oneshot\" service has a stop_command; a long-running one gets stop_signal");
            stopCommand = f.argv("stop_command", "the program to run on the way down, or remove the key");
        }
        if (oneshot && readiness.probe().isPresent())
            f.error("ready", "a oneshot is ready when its command exits 0; remove ready");
        Dependencies deps = new Dependencies(f.strings("requires").orElse(List.of()), f.strings("wants").orElse(List.of()),
                f.strings("after").orElse(List.of()));
        if (deps.ordering().contains(name)) f.error(null, "service '" + name + "' depends on itself");
        boolean critical = f.bool("critical").orElse(false);
        Optional<List<String>> logger = f.argv("logger", "the logger program, as in [\"s6-log\", \"n10\", \"/var/log/" + name + "\"]");
        if (logger.isPresent() && readiness.probe().orElse(null) instanceof Probe.Log)
            f.error("ready", "ready = { log = ... } reads the output, which goes to the logger; use another readiness probe or remove logger");
        Optional<RootUse> root = RootReader.use(f);
        if (f.problemCount() > before) return Optional.empty();
        return Optional.of(new ServiceConfig(name, command, policy, stopSignal, stopTimeout, env, cwd, user, f.place(null),
                readiness, deps, oneshot, stopCommand, critical, logger, root));
    }

    private static List<String> command(Fields f) {
        if (f.raw("command") == null) {
            f.error(null, "missing key 'command': write command = [\"program\", \"arg\"] (exec'd directly) or command = \"shell text\"");
            return List.of();
        }
        return f.argv("command", "the program to run").orElse(List.of());
    }

    private static Optional<Identity> identity(Fields f) {
        Optional<String> userName = f.string("user");
        Optional<String> groupName = f.string("group");
        if (userName.isEmpty() && groupName.isEmpty()) return Optional.empty();
        Identity base;
        if (userName.isPresent()) {
            Optional<Identity> u = Users.user(userName.get());
            if (u.isEmpty()) {
                f.error("user", userName.get().matches("\\d+") ? "uid " + userName.get() + " is out of range (0 to " + Users.MAX_ID + ")"
                        : "no user '" + userName.get() + "' in /etc/passwd; create it or give a numeric uid");
                return Optional.empty();
            }
            base = u.get();
        } else {
            base = Users.user("0").orElseThrow();
        }
        if (groupName.isEmpty()) return Optional.of(base);
        Optional<Integer> gid = Users.group(groupName.get());
        if (gid.isEmpty()) {
            f.error("group", groupName.get().matches("\\d+") ? "gid " + groupName.get() + " is out of range (0 to " + Users.MAX_ID + ")"
                    : "no group '" + groupName.get() + "' in /etc/group; create it or give a numeric gid");
            return Optional.empty();
        }
        List<Integer> groups = new ArrayList<>(List.of(gid.get()));
        base.groups().stream().filter(g -> g != base.gid() && !groups.contains(g)).forEach(groups::add);
        return Optional.of(new Identity(base.name(), base.uid(), gid.get(), groups, base.home(), base.shell()));
    }
}

package banyan.config;

import org.tomlj.TomlArray;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** Reads `[root.NAME]` tables and a service's `root` and `binds` keys (design.md section 6). */
final class RootReader {
    private RootReader() {}

    static final Set<String> ROOT_KEYS = Set.of("sources", "probe", "acquire_timeout", "failback");
    static final Set<String> PROBE_KEYS = Set.of("file", "exec", "interval", "timeout", "failures");
    static final List<String> KINDS = List.of("bind", "device", "command", "archive");
    /** The keys each kind of source takes besides its own and `name`. */
    private static final Map<String, Set<String>> KIND_KEYS = Map.of("bind", Set.of(), "device", Set.of("fstype", "options"),
            "command", Set.of(), "archive", Set.of("size"));
    private static final Set<String> SOURCE_KEYS = Set.of("name", "bind", "device", "fstype", "options", "command", "archive", "size");
    private static final String NAME = "[A-Za-z0-9][A-Za-z0-9_-]*";

    /** Every [root.NAME] of one file into roots; a root defined twice is an error naming the first place. */
    static void read(Path file, TomlParseResult toml, Fields top, Map<String, RootConfig> roots, List<Problem> problems) {
        if (toml.contains("root") && !toml.isTable("root")) top.error("root", "must be tables: [root.NAME]");
        if (!toml.isTable("root")) return;
        TomlTable all = toml.getTable("root");
        Fields at = top.sub(all, "root", toml.inputPositionOf("root"));
        for (String name : ConfigLoader.inFileOrder(all)) {
            if (!(all.get(List.of(name)) instanceof TomlTable t)) {
                at.error(name, "must be a table: [root." + name + "]");
                continue;
            }
            Fields f = at.sub(t, "root." + name, all.inputPositionOf(List.of(name)));
            if (!name.matches(NAME)) {
                f.error(null, "root name '" + name + "' may hold only letters, digits, _ and - (it names a directory under /run/banyan/roots)");
                continue;
            }
            if (name.equals("core")) {
                f.error(null, "the root named core is banyan's own core root; give this one another name");
                continue;
            }
            RootConfig previous = roots.get(name);
            if (previous != null) {
                f.error(null, "root '" + name + "' is already defined at " + previous.place());
                continue;
            }
            root(name, f, file, problems).ifPresent(r -> roots.put(name, r));
        }
    }

    private static Optional<RootConfig> root(String name, Fields f, Path file, List<Problem> problems) {
        int before = f.problemCount();
        f.rejectUnknown(ROOT_KEYS);
        List<RootConfig.Source> sources = sources(name, f, file, problems);
        Optional<RootProbe> probe = f.table("probe").flatMap(RootReader::probe);
        Duration acquire = f.positiveDuration("acquire_timeout").orElse(RootConfig.DEFAULT_ACQUIRE_TIMEOUT);
        boolean failback = f.bool("failback").orElse(false);
        if (f.problemCount() > before) return Optional.empty();
        return Optional.of(new RootConfig(name, sources, probe, acquire, failback, f.place(null)));
    }

    private static List<RootConfig.Source> sources(String root, Fields f, Path file, List<Problem> problems) {
        Object raw = f.raw("sources");
        String example = "sources = [{ name = \"local\", bind = \"/srv/" + root + "\" }]";
        if (raw == null) {
            f.error(null, "missing key 'sources': write " + example);
            return List.of();
        }
        if (!(raw instanceof TomlArray a)) {
            f.error("sources", "must be an array of tables such as " + example + ", not " + Fields.describe(raw));
            return List.of();
        }
        if (a.isEmpty()) f.error("sources", "is empty; name at least one source, as in " + example);
        List<RootConfig.Source> out = new ArrayList<>();
        Map<String, Integer> names = new LinkedHashMap<>();
        for (int i = 0; i < a.size(); i++) {
            String section = "root." + root + ".sources[" + (i + 1) + "]";
            if (!(a.get(i) instanceof TomlTable t)) {
                f.error("sources", "element " + (i + 1) + " must be a table such as { bind = \"/srv/" + root + "\" }, not " + Fields.describe(a.get(i)));
                continue;
            }
            Fields s = f.sub(t, section, firstKey(t).orElse(a.inputPositionOf(i)));
            Optional<RootConfig.Source> source = source(s, String.valueOf(i + 1));
            if (source.isEmpty()) continue;
            Integer first = names.putIfAbsent(source.get().name(), i + 1);
            if (first != null)
                s.error("name", "'" + source.get().name() + "' already names source " + first + "; each source of a root needs its own name");
            else out.add(source.get());
        }
        return out;
    }

    /** Where an inline table's first key is: tomlj places an array element where the whitespace before it began. */
    private static Optional<TomlPosition> firstKey(TomlTable t) {
        return t.keySet().stream().map(k -> t.inputPositionOf(List.of(k))).filter(java.util.Objects::nonNull)
                .min(java.util.Comparator.comparingInt(TomlPosition::line).thenComparingInt(TomlPosition::column));
    }

    private static Optional<RootConfig.Source> source(Fields s, String position) {
        int before = s.problemCount();
        List<String> kinds = KINDS.stream().filter(s::has).toList();
        if (kinds.size() != 1) {
            s.error(null, kinds.isEmpty() ? "names no kind of source; give exactly one of: " + String.join(", ", KINDS)
                    : "names " + String.join(" and ", kinds) + "; a source has exactly one kind: make each its own source");
            return Optional.empty();
        }
        String kind = kinds.getFirst();
        for (String key : new TreeSet<>(s.keys())) {
            if (key.equals("name") || key.equals(kind) || KIND_KEYS.get(kind).contains(key)) continue;
            String owner = KIND_KEYS.entrySet().stream().filter(e -> e.getValue().contains(key)).map(Map.Entry::getKey).findFirst().orElse(null);
            if (owner != null) s.error(key, "belongs to a " + owner + " source, not a " + kind + " one");
            else {
                String near = Suggest.nearest(key, SOURCE_KEYS);
                s.error(key, "unknown key" + (near == null ? "" : "; did you mean '" + near + "'?") + " (a " + kind + " source takes: "
                        + String.join(", ", new TreeSet<>(union(Set.of("name", kind), KIND_KEYS.get(kind)))) + ")");
            }
        }
        String name = s.string("name").orElse(position);
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*"))
            s.error("name", "'" + name + "' may hold only letters, digits and _ . -");
        RootConfig.Source out = switch (kind) {
            case "bind" -> absolute(s, "bind").map(p -> new RootConfig.Bind(name, p)).orElse(null);
            case "device" -> {
                Optional<String> device = absolute(s, "device");
                Optional<String> fsType = s.string("fstype");
                if (fsType.isEmpty() && !s.has("fstype"))
                    s.error(null, "a device source needs fstype, such as fstype = \"ext4\"");
                String options = s.string("options").orElse("");
                yield device.isPresent() && fsType.isPresent() ? new RootConfig.Device(name, device.get(), fsType.get(), options) : null;
            }
            case "command" -> command(s).map(argv -> new RootConfig.Command(name, argv)).orElse(null);
            default -> archive(s, name).orElse(null);
        };
        return s.problemCount() > before || out == null ? Optional.empty() : Optional.of(out);
    }

    private static Optional<List<String>> command(Fields s) {
        if (s.raw("command") instanceof String) {
            s.error("command", "must be an array of strings such as [\"sshfs\", \"srv:/app\", \"{target}\"]: the helper is exec'd directly");
            return Optional.empty();
        }
        Optional<List<String>> argv = s.strings("command");
        if (argv.isEmpty()) return argv;
        if (argv.get().isEmpty()) {
            s.error("command", "is an empty array; name the mount helper, as in [\"sshfs\", \"srv:/app\", \"{target}\"]");
            return Optional.empty();
        }
        if (argv.get().stream().noneMatch(a -> a.contains(RootConfig.Command.TARGET))) {
            s.error("command", "does not say where to mount: put {target} among its arguments, as in [\"sshfs\", \"srv:/app\", \"{target}\"]");
            return Optional.empty();
        }
        return argv;
    }

    private static Optional<RootConfig.Source> archive(Fields s, String name) {
        Optional<String> path = absolute(s, "archive");
        path.ifPresent(p -> {
            if (!Files.isRegularFile(Path.of(p)))
                s.error("archive", "'" + p + "' " + (Files.exists(Path.of(p)) ? "is not a file" : "does not exist") + "; give the path of a .tar or .tar.gz");
        });
        Optional<Long> size = Optional.empty();
        if (!s.has("size")) s.error(null, "an archive source needs size, the tmpfs it is unpacked into, such as size = \"256MiB\"");
        else size = s.string("size").flatMap(t -> {
            Optional<Long> n = Sizes.parse(t);
            if (n.isEmpty() || n.get() < 4096)
                s.error("size", "'" + t + "' is not a size of at least 4KiB; write it like \"256MiB\" or \"1GiB\"");
            return n.filter(v -> v >= 4096);
        });
        if (path.isEmpty() || size.isEmpty()) return Optional.empty();
        return Optional.of(new RootConfig.Archive(name, path.get(), size.get()));
    }

    private static Optional<RootProbe> probe(Fields p) {
        int before = p.problemCount();
        p.rejectUnknown(PROBE_KEYS);
        List<String> given = List.of("file", "exec").stream().filter(p::has).toList();
        Optional<RootProbe.Check> check = Optional.empty();
        if (given.size() != 1)
            p.error(null, (given.isEmpty() ? "names no check" : "names file and exec") + "; give exactly one of: file = \"/etc/os-release\" "
                    + "(opened and read inside the root) or exec = [\"/bin/true\"] (run inside the root)");
        else if (given.getFirst().equals("file")) {
            check = p.string("file").flatMap(path -> {
                if (path.startsWith("/")) return Optional.of(new RootProbe.File(path));
                p.error("file", "'" + path + "' must be an absolute path inside the root, such as \"/etc/os-release\"");
                return Optional.empty();
            });
        } else if (p.raw("exec") instanceof String) {
            p.error("exec", "must be an array of strings such as [\"/bin/test\", \"-d\", \"/srv\"]: it is exec'd inside the root");
        } else {
            check = p.strings("exec").flatMap(argv -> {
                if (!argv.isEmpty()) return Optional.of(new RootProbe.Exec(argv));
                p.error("exec", "is an empty array; name a program inside the root");
                return Optional.empty();
            });
        }
        Duration interval = p.positiveDuration("interval").orElse(RootProbe.DEFAULT_INTERVAL);
        Duration timeout = p.positiveDuration("timeout").orElse(RootProbe.DEFAULT_TIMEOUT);
        int failures = p.integer("failures", 1, 1000).map(Long::intValue).orElse(RootProbe.DEFAULT_FAILURES);
        if (p.problemCount() > before || check.isEmpty()) return Optional.empty();
        return Optional.of(new RootProbe(check.get(), interval, timeout, failures));
    }

    /** A service's `root` and `binds`; binds without a root are an error. */
    static Optional<RootUse> use(Fields f) {
        Optional<String> root = f.string("root");
        List<RootUse.Bind> binds = new ArrayList<>();
        if (f.raw("binds") instanceof String) f.error("binds", "must be an array of strings such as [\"/etc/resolv.conf:/etc/resolv.conf:ro\"]");
        else f.strings("binds").ifPresent(list -> {
            for (String b : list) bind(f, b).ifPresent(binds::add);
        });
        if (root.isEmpty()) {
            if (f.has("binds") && !f.has("root"))
                f.error("binds", "binds are made inside a service's root; add root = \"NAME\" or remove binds");
            return Optional.empty();
        }
        return Optional.of(new RootUse(root.get(), binds, f.place("root")));
    }

    private static Optional<RootUse.Bind> bind(Fields f, String text) {
        String[] parts = text.split(":", -1);
        String why = null;
        if (parts.length < 2 || parts.length > 3) why = "is not HOST:INSIDE or HOST:INSIDE:ro";
        else if (!parts[0].startsWith("/") || !parts[1].startsWith("/")) why = "needs absolute paths on both sides of ':'";
        else if (parts.length == 3 && !parts[2].equals("ro") && !parts[2].equals("rw")) why = "ends in '" + parts[2] + "'; the only flags are ro and rw";
        if (why != null) {
            f.error("binds", "'" + text + "' " + why + ", as in \"/etc/resolv.conf:/etc/resolv.conf:ro\"");
            return Optional.empty();
        }
        return Optional.of(new RootUse.Bind(parts[0], parts[1], parts.length == 3 && parts[2].equals("ro")));
    }

    /** Once every file is read: each root a service names exists. */
    static void check(Map<String, ServiceConfig> services, Map<String, RootConfig> roots, List<Problem> problems) {
        for (ServiceConfig s : services.values()) {
            if (s.root().isEmpty() || roots.containsKey(s.root().get().root())) continue;
            RootUse use = s.root().get();
            String near = Suggest.nearest(use.root(), roots.keySet());
            problems.add(use.place().problem("service." + s.name() + ".root: no [root." + use.root() + "]"
                    + (near != null ? "; did you mean '" + near + "'?" : roots.isEmpty() ? "; define it, as in [root." + use.root()
                    + "] sources = [{ bind = \"/srv/" + use.root() + "\" }]" : "; defined: " + String.join(", ", roots.keySet()))));
        }
    }

    private static Optional<String> absolute(Fields f, String key) {
        return f.string(key).flatMap(p -> {
            if (p.startsWith("/")) return Optional.of(p);
            f.error(key, "'" + p + "' must be an absolute path");
            return Optional.empty();
        });
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new TreeSet<>(a);
        u.addAll(b);
        return u;
    }
}

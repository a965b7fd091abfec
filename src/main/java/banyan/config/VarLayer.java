package banyan.config;

import banyan.os.TextFile;
import org.tomlj.Toml;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One source of values laid over [vars], in rising order: a vars file (--vars), flags (--var), the
 * kernel's command line (init on a machine), answers at the console. A name is a variable, or
 * `service.NAME` with "clear" (leave the service down) or "start".
 */
public record VarLayer(Kind kind, List<Given> given) {
    public enum Kind { VARS_FILE, FLAG, KERNEL, ANSWER }

    /** One value; place is where a vars file holds it (line 0 for the other kinds). */
    public record Given(String name, String value, Place place) {}

    public VarLayer {
        given = List.copyOf(given);
    }

    /** How `banyan vars` names where a value came from. */
    String origin(Given g) {
        return switch (kind) {
            case VARS_FILE -> "vars file " + g.place();
            case FLAG -> "--var";
            case KERNEL -> "kernel command line";
            case ANSWER -> "answer";
        };
    }

    /** NAME=VALUE words of --var; a word without a name is a usage error. */
    public static VarLayer flags(List<String> words) throws ConfigException {
        List<Given> out = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq <= 0) problems.add(new Problem(Path.of(""), 0, 0, "--var '" + w + "' must be NAME=VALUE, for example --var mode=rescue"));
            else out.add(new Given(w.substring(0, eq), w.substring(eq + 1), new Place(Path.of("--var"), 0, 0)));
        }
        if (!problems.isEmpty()) throw new ConfigException(problems);
        return new VarLayer(Kind.FLAG, out);
    }

    public static VarLayer of(Kind kind, Map<String, String> values) {
        return new VarLayer(kind, values.entrySet().stream()
                .map(e -> new Given(e.getKey(), e.getValue(), new Place(Path.of(kind.name().toLowerCase()), 0, 0))).toList());
    }

    /** A vars file: NAME = "value" lines, and service.NAME = "clear"; its syntax errors are located. */
    public static VarLayer file(Path file) throws ConfigException {
        List<Problem> problems = new ArrayList<>();
        String text;
        try {
            text = TextFile.read(file);
        } catch (TextFile.Unreadable e) {
            throw new ConfigException(List.of(new Problem(file, e.line(), e.column(), "--vars: " + e.getMessage())));
        }
        Optional<Place> deep = TomlDepth.tooDeep(file, text, TomlDepth.MAX);
        if (deep.isPresent()) throw new ConfigException(List.of(deep.get().problem("nested too deeply for a vars file")));
        TomlParseResult toml = Toml.parse(text);
        for (TomlParseError e : toml.errors()) {
            TomlPosition p = e.position();
            problems.add(new Problem(file, p == null ? 0 : p.line(), p == null ? 0 : p.column(),
                    "TOML syntax: " + e.getMessage().replaceFirst(" \\(line \\d+, column \\d+\\)$", "")));
        }
        if (!problems.isEmpty()) throw new ConfigException(problems);
        List<Given> out = new ArrayList<>();
        read(file, toml, "", out, problems);
        if (!problems.isEmpty()) throw new ConfigException(problems);
        return new VarLayer(Kind.VARS_FILE, out);
    }

    private static void read(Path file, TomlTable t, String prefix, List<Given> out, List<Problem> problems) {
        for (String k : ConfigLoader.inFileOrder(t)) {
            TomlPosition p = t.inputPositionOf(List.of(k));
            Place at = new Place(file, p == null ? 0 : p.line(), p == null ? 0 : p.column());
            Object v = t.get(List.of(k));
            if (v instanceof String s && s.indexOf('\0') < 0) out.add(new Given(prefix + k, s, at));
            else if (v instanceof TomlTable sub && prefix.isEmpty() && k.equals("service")) read(file, sub, "service.", out, problems);
            else problems.add(at.problem(prefix + k + ": must be a string" + (v instanceof String ? " without NUL" : ", not " + Fields.describe(v))
                    + "; a vars file holds NAME = \"value\" and service.NAME = \"clear\" (or \"start\")"));
        }
    }
}

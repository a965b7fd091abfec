package banyan.config;

import org.tomlj.TomlArray;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Typed, checked reads from one TOML table; each bad value adds a problem naming its place and what is allowed. */
final class Fields {
    private final Path file;
    private final TomlTable table;
    private final String section;
    private final List<Problem> problems;
    private final TomlPosition sectionPlace;
    private final Expander vars;

    Fields(Path file, TomlTable table, String section, TomlPosition sectionPlace, List<Problem> problems, Expander vars) {
        this.vars = vars;
        this.file = file;
        this.table = table;
        this.section = section;
        this.sectionPlace = sectionPlace;
        this.problems = problems;
    }

    /** Another table of the same file and load (same problems, same variables). */
    Fields sub(TomlTable t, String section, TomlPosition place) {
        return new Fields(file, t, section, place, problems, vars);
    }

    /** s with its ${NAME} replaced; empty when a reference is wrong (reported at key). */
    private Optional<String> expand(String key, String s) {
        return vars.expand(s, m -> error(key, m));
    }

    Place place(String key) {
        TomlPosition p = key == null ? sectionPlace : table.inputPositionOf(List.of(key));
        if (p == null) p = sectionPlace;
        return new Place(file, p == null ? 0 : p.line(), p == null ? 0 : p.column());
    }

    void error(String key, String message) {
        problems.add(place(key).problem((key == null ? "[" + section + "]" : section + "." + key) + ": " + message));
    }

    int problemCount() {
        return problems.size();
    }

    boolean has(String key) {
        return table.contains(List.of(key));
    }

    /** Each key not in allowed is an error, with the nearest allowed key as a suggestion. */
    void rejectUnknown(Set<String> allowed) {
        for (String key : table.keySet()) {
            if (allowed.contains(key)) continue;
            String near = Suggest.nearest(key, allowed);
            error(key, "unknown key" + (near == null ? "" : "; did you mean '" + near + "'?")
                    + " (allowed: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
        }
    }

    Optional<String> string(String key) {
        Object v = table.get(List.of(key));
        if (v == null) return Optional.empty();
        if (v instanceof String s) return noNul(key, s) ? expand(key, s) : Optional.empty();
        error(key, "must be a string, not " + describe(v));
        return Optional.empty();
    }

    /** A NUL would cut the string short where it becomes a C string: an argument, a path, a variable. */
    private boolean noNul(String key, String s) {
        if (s.indexOf('\0') < 0) return true;
        error(key, "holds a NUL character (\\u0000), which no program, path or variable can carry");
        return false;
    }

    Optional<Long> integer(String key, long min, long max) {
        Object v = table.get(List.of(key));
        if (v == null) return Optional.empty();
        if (v instanceof Long l && l >= min && l <= max) return Optional.of(l);
        error(key, "must be an integer from " + min + " to " + max + ", not " + describe(v));
        return Optional.empty();
    }

    Optional<Boolean> bool(String key) {
        Object v = table.get(List.of(key));
        if (v == null) return Optional.empty();
        if (v instanceof Boolean b) return Optional.of(b);
        error(key, "must be true or false, not " + describe(v));
        return Optional.empty();
    }

    /** A duration that must be longer than 0 (a timeout, an interval, a window). */
    Optional<Duration> positiveDuration(String key) {
        Optional<Duration> d = duration(key);
        if (d.isPresent() && (d.get().isZero() || d.get().isNegative())) {
            error(key, "must be longer than 0");
            return Optional.empty();
        }
        return d;
    }

    Optional<Duration> duration(String key) {
        Optional<String> s = string(key);
        if (s.isEmpty()) return Optional.empty();
        Optional<Duration> d = Durations.parse(s.get());
        if (d.isEmpty() && Durations.tooLong(s.get()))
            error(key, "'" + s.get() + "' is longer than " + Durations.MAX.toDays() + "d, the longest duration banyan takes");
        else if (d.isEmpty()) error(key, "'" + s.get() + "' is not a duration; write it like \"250ms\", \"10s\", \"5m\" or \"1m30s\"");
        return d;
    }

    <E> Optional<E> oneOf(String key, Map<String, E> choices) {
        Optional<String> s = string(key);
        if (s.isEmpty()) return Optional.empty();
        E e = choices.get(s.get());
        if (e == null) error(key, "'" + s.get() + "' is not allowed; use one of: " + String.join(", ", choices.keySet()));
        return Optional.ofNullable(e);
    }

    /** An array of strings; with allowString, a plain string is accepted and returned as a one-element list. */
    Optional<List<String>> strings(String key) {
        Object v = table.get(List.of(key));
        if (v == null) return Optional.empty();
        if (v instanceof TomlArray a) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i) instanceof String s) {
                    if (!noNul(key, s)) return Optional.empty();
                    Optional<String> x = expand(key, s);
                    if (x.isEmpty()) return x.map(List::of);
                    out.add(x.get());
                } else {
                    error(key, "element " + (i + 1) + " must be a string, not " + describe(a.get(i)));
                    return Optional.empty();
                }
            }
            return Optional.of(out);
        }
        error(key, "must be an array of strings, not " + describe(v));
        return Optional.empty();
    }

    /**
     * A command: an array of strings is exec'd directly, a string is run by /bin/sh -c. Empty when
     * absent or wrong (reported): never an empty argv, nor one whose program is blank.
     *
     * @param what the program it names, for the message ("the program to run")
     */
    Optional<List<String>> argv(String key, String what) {
        Object v = table.get(List.of(key));
        if (v == null) return Optional.empty();
        if (v instanceof String s) {
            if (s.isBlank()) {
                error(key, "is empty; name " + what);
                return Optional.empty();
            }
            return noNul(key, s) ? expand(key, s).map(x -> List.of("/bin/sh", "-c", x)) : Optional.empty();
        }
        Optional<List<String>> argv = strings(key);
        if (argv.isEmpty()) return argv; // not an array of strings: already reported
        if (argv.get().isEmpty()) error(key, "is an empty array; name " + what);
        else if (argv.get().getFirst().isBlank()) error(key, "names no program: its first element is blank; name " + what);
        else return argv;
        return Optional.empty();
    }

    Optional<Map<String, String>> stringMap(String key) {
        Object v = table.get(List.of(key));
        if (v == null) return Optional.empty();
        if (!(v instanceof TomlTable t)) {
            error(key, "must be a table such as { NAME = \"value\" }, not " + describe(v));
            return Optional.empty();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : t.keySet()) {
            Object x = t.get(List.of(k));
            if (!noNul(key, k)) continue;
            if (x instanceof String s) {
                if (noNul(key, s)) expand(key, s).ifPresent(e -> out.put(k, e));
            } else if (x instanceof Long || x instanceof Boolean || x instanceof Double) out.put(k, String.valueOf(x));
            else error(key, "value of " + k + " must be a string, not " + describe(x));
        }
        return Optional.of(out);
    }

    /** An inline or nested table, read with the same checks; its section is this one's plus the key. */
    Optional<Fields> table(String key) {
        Object v = table.get(List.of(key));
        if (v == null) return Optional.empty();
        if (v instanceof TomlTable t) {
            TomlPosition p = table.inputPositionOf(List.of(key));
            return Optional.of(sub(t, section + "." + key, p == null ? sectionPlace : p));
        }
        error(key, "must be a table such as { " + key + " = ... }, not " + describe(v));
        return Optional.empty();
    }

    java.util.Set<String> keys() {
        return table.keySet();
    }

    Object raw(String key) {
        return table.get(List.of(key));
    }

    static String describe(Object v) {
        return switch (v) {
            case String s -> "the string \"" + s + "\"";
            case Long l -> "the integer " + l;
            case Double d -> "the number " + d;
            case Boolean b -> "the boolean " + b;
            case TomlArray a -> "an array";
            case TomlTable t -> "a table";
            default -> "a " + v.getClass().getSimpleName().replace("Offset", "").toLowerCase();
        };
    }
}

package banyan.config;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Replaces ${NAME} in the strings of one load by the values of [vars] after their overrides;
 * $${ is a literal ${. A value is used as written (not expanded again). Notes who used which
 * variable, so that `banyan vars` and a reload can say what a variable touches. One load, one thread.
 */
final class Expander {
    private final Map<String, String> values;
    private final Map<String, Set<String>> users = new LinkedHashMap<>();
    private String owner = "config"; // "boot", "service.NAME", "root.NAME": whose strings are being read

    Expander(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    void owner(String who) {
        owner = who;
    }

    /** Who used name while the configuration was read ("boot", "service.web"); empty when nobody did. */
    Set<String> users(String name) {
        return users.getOrDefault(name, Set.of());
    }

    /** s with every reference replaced; empty when one is wrong, after error was told what and how to fix it. */
    Optional<String> expand(String s, Consumer<String> error) {
        if (s.indexOf('$') < 0) return Optional.of(s);
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '$' && s.startsWith("$${", i)) {
                out.append("${");
                i += 2;
            } else if (c == '$' && s.startsWith("${", i)) {
                int end = s.indexOf('}', i + 2);
                if (end < 0) {
                    error.accept("'${' at character " + (i + 1) + " is not closed; write ${NAME}, or $${ for a literal ${");
                    return Optional.empty();
                }
                String name = s.substring(i + 2, end);
                String v = values.get(name);
                if (v == null) {
                    error.accept(unknown(name, values.keySet()));
                    return Optional.empty();
                }
                users.computeIfAbsent(name, k -> new LinkedHashSet<>()).add(owner);
                out.append(v);
                i = end;
            } else out.append(c);
        }
        return Optional.of(out.toString());
    }

    static String unknown(String name, Collection<String> known) {
        if (name.isEmpty()) return "'${}' names no variable; write ${NAME}, or $${ for a literal ${";
        String near = Suggest.nearest(name, known);
        return "unknown variable ${" + name + "}" + (near == null ? "" : "; did you mean ${" + near + "}?")
                + (known.isEmpty() ? " (no [vars] table defines any; add [vars] " + name + " = \"...\")"
                : " (defined in [vars]: " + String.join(", ", known.stream().sorted().toList()) + ")");
    }
}

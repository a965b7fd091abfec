package banyan.imports;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The banyan.toml being written: a header, top-level keys, one table per service, then targets. */
final class Document {
    private final String tool;
    private final Path source;
    final List<String> header = new ArrayList<>();
    final Draft top = new Draft("");
    final List<Draft> services = new ArrayList<>();
    /** Targets by name: their members named as in the source, and a comment line (or null). */
    final Map<String, List<String>> targets = new LinkedHashMap<>();
    final Map<String, String> targetNotes = new LinkedHashMap<>();

    Document(String tool, Path source) {
        this.tool = tool;
        this.source = source;
    }

    Draft service(String sourceName) {
        Draft d = new Draft(sourceName);
        services.add(d);
        return d;
    }

    String render() {
        Map<Draft, String> names = Names.assign(services);
        Map<String, String> bySource = new LinkedHashMap<>();
        services.forEach(d -> bySource.putIfAbsent(d.source, names.get(d)));
        StringBuilder out = new StringBuilder();
        out.append("# Imported by `banyan import ").append(tool).append("` from ").append(source).append('\n');
        header.forEach(h -> comment(out, h));
        lines(out, top, bySource);
        for (Draft d : services) {
            String name = names.get(d);
            out.append("\n[service.").append(key(name)).append("]\n");
            if (!name.equals(d.source)) comment(out, Names.why(d.source, name));
            lines(out, d, bySource);
        }
        Map<String, List<String>> all = new LinkedHashMap<>(targets);
        if (!all.containsKey("default") && services.stream().anyMatch(d -> !d.autostart)) {
            all.put("default", services.stream().filter(d -> d.autostart).map(d -> d.source).toList());
            targetNotes.put("default", "what `banyan up` starts: every service but those the source does not start by itself");
        }
        all.forEach((t, members) -> {
            out.append("\n[target.").append(key(t)).append("]\n");
            if (targetNotes.get(t) != null) comment(out, targetNotes.get(t));
            out.append("requires = ").append(refs(members, bySource, out, "requires")).append('\n');
        });
        return out.toString();
    }

    private void lines(StringBuilder out, Draft d, Map<String, String> bySource) {
        for (Draft.Line l : d.lines) {
            switch (l) {
                case Draft.Comment c -> comment(out, c.text());
                case Draft.Key k -> {
                    String v = k.value() instanceof Draft.Refs r ? refs(r.names(), bySource, out, k.key()) : value(k.value());
                    if (v.equals("[]")) continue;
                    out.append(key(k.key())).append(" = ").append(v);
                    if (k.note() != null) out.append("  # ").append(k.note().replace('\n', ' '));
                    out.append('\n');
                }
            }
        }
    }

    /** The banyan names of services named as in the source; one that is not there is dropped, with a comment. */
    private String refs(List<String> names, Map<String, String> bySource, StringBuilder out, String key) {
        List<String> mapped = new ArrayList<>();
        for (String n : names) {
            String m = bySource.get(n);
            if (m == null) comment(out, key + " \"" + n + "\": no such service in " + source.getFileName() + "; left out");
            else if (!mapped.contains(m)) mapped.add(m);
        }
        return value(mapped);
    }

    static void comment(StringBuilder out, String text) {
        for (String line : text.split("\n", -1)) out.append(line.isEmpty() ? "#" : "# " + line).append('\n');
    }

    static String key(String k) {
        return k.matches("[A-Za-z0-9_-]+") ? k : string(k);
    }

    static String value(Object v) {
        return switch (v) {
            case String s -> string(s.replace("${", "$${")); // banyan would read ${NAME} as one of its [vars]
            case Number n -> n.toString();
            case Boolean b -> b.toString();
            case List<?> list -> {
                List<String> items = new ArrayList<>();
                list.forEach(x -> items.add(value(x)));
                yield "[" + String.join(", ", items) + "]";
            }
            case Map<?, ?> map -> {
                if (map.isEmpty()) yield "{}";
                List<String> items = new ArrayList<>();
                map.forEach((k, x) -> items.add(key(k.toString()) + " = " + value(x)));
                yield "{ " + String.join(", ", items) + " }";
            }
            default -> throw new IllegalArgumentException("no TOML form for " + v.getClass());
        };
    }

    /** A TOML basic string. */
    static String string(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x7f) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }

    /** For drafts that need identity, not equality, as map keys. */
    static <V> Map<Draft, V> byIdentity() {
        return new IdentityHashMap<>();
    }
}

package banyan.imports;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Python's `s % mapping`, as supervisord expands %(here)s, %(program_name)s, %(process_num)02d and %(ENV_X)s. */
final class PyFormat {
    private PyFormat() {}

    private static final Pattern SPEC = Pattern.compile("%(?:%|\\(([^)]*)\\)([-+ #0]*)(\\d*)(?:\\.(\\d+))?([a-zA-Z%])?)");

    /** @throws IllegalArgumentException naming the expression that cannot be expanded, and the names that can */
    static String expand(String s, Map<String, Object> names) {
        if (s.indexOf('%') < 0) return s;
        StringBuilder out = new StringBuilder();
        Matcher m = SPEC.matcher(s);
        int at = 0;
        while (at < s.length()) {
            int pct = s.indexOf('%', at);
            if (pct < 0) {
                out.append(s, at, s.length());
                break;
            }
            out.append(s, at, pct);
            if (!m.find(pct) || m.start() != pct)
                throw new IllegalArgumentException("'%' must start an expression such as %(here)s; write %% for a literal %");
            if (m.group().equals("%%")) out.append('%');
            else out.append(one(m, names));
            at = m.end();
        }
        return out.toString();
    }

    private static String one(Matcher m, Map<String, Object> names) {
        String name = m.group(1), flags = m.group(2), width = m.group(3), precision = m.group(4), type = m.group(5);
        if (!names.containsKey(name))
            throw new IllegalArgumentException("%(" + name + ") cannot be expanded" + (name.startsWith("ENV_")
                    ? ": no variable " + name.substring(4) + " in the environment"
                    : "; names that can: " + String.join(", ", names.keySet().stream().filter(k -> !k.startsWith("ENV_")).sorted().toList())
                    + " and ENV_NAME for each environment variable"));
        if (type == null) throw new IllegalArgumentException("%(" + name + ") needs a type after it, as in %(" + name + ")s");
        Object v = names.get(name);
        String spec = "%" + flags.replace("#", "") + width + (precision == null ? "" : "." + precision);
        try {
            return switch (type) {
                case "s" -> String.format(spec + "s", String.valueOf(v));
                case "r" -> String.format(spec + "s", v instanceof Integer ? v.toString() : "'" + v + "'");
                case "d", "i", "u" -> String.format(spec.replaceFirst("\\.\\d+$", "") + "d", integer(name, v));
                case "x", "X", "o" -> (flags.contains("#") ? (type.equals("o") ? "0o" : "0" + type) : "")
                        + String.format(spec.replaceFirst("\\.\\d+$", "") + type, integer(name, v));
                default -> throw new IllegalArgumentException("%(" + name + ")" + type + ": the type '" + type
                        + "' is not one supervisord's names take (s, d, i, x, o, r)");
            };
        } catch (java.util.IllegalFormatException e) {
            throw new IllegalArgumentException("%(" + name + ")" + flags + width + type + " is badly formatted");
        }
    }

    private static long integer(String name, Object v) {
        if (v instanceof Integer i) return i;
        throw new IllegalArgumentException("%(" + name + ") is text; write %(" + name + ")s, since %d needs a number");
    }
}

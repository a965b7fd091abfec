package banyan.imports;

import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What process-compose does to its file before it parses it (drone/envsubst): every `${...}`
 * is replaced from .env and the environment, and `$$` becomes `$`. A bare `$NAME` is left for
 * the shell, as process-compose leaves it.
 */
final class EnvSubst {
    private EnvSubst() {}

    /** @throws IllegalArgumentException with the 1-based line of a substitution it cannot do */
    static String apply(String text, Function<String, String> lookup) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '$') {
                out.append('$');
                i += 2;
            } else if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
                int end = close(text, i + 2);
                int line = 1 + (int) text.substring(0, i).chars().filter(x -> x == '\n').count();
                if (end < 0) throw new IllegalArgumentException(line + ": ${ without its closing }");
                try {
                    out.append(function(text.substring(i + 2, end), lookup));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(line + ": ${" + text.substring(i + 2, end) + "}: " + e.getMessage());
                }
                i = end + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static int close(String s, int from) {
        int depth = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') i++;
            else if (c == '$' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
                depth++;
                i++;
            } else if (c == '}' && depth-- == 0) return i;
        }
        return -1;
    }

    private static final Pattern NAME = Pattern.compile("[\\p{L}\\p{Nd}_]+");

    private static String function(String body, Function<String, String> lookup) {
        if (body.startsWith("#")) {
            if (!NAME.matcher(body.substring(1)).matches()) throw new IllegalArgumentException("not ${#NAME}");
            return String.valueOf(lookup.apply(body.substring(1)).length());
        }
        Matcher m = NAME.matcher(body);
        if (!m.lookingAt()) throw new IllegalArgumentException("no variable name (process-compose substitutes ${NAME} everywhere in the file, "
                + "comments too; write $${ for a literal ${)");
        String name = m.group(), rest = body.substring(m.end()), v = lookup.apply(name);
        if (rest.isEmpty()) return v;
        return switch (rest.charAt(0)) {
            case ':' -> {
                if (rest.startsWith(":-") || rest.startsWith(":=")) yield v.isEmpty() ? apply(unescape(rest.substring(2)), lookup) : v;
                if (rest.startsWith(":?") || rest.startsWith(":+")) throw new IllegalArgumentException("process-compose does not do " + rest.substring(0, 2));
                String[] p = rest.substring(1).split(":", 2);
                int from = Math.min(Integer.parseInt(p[0].strip()), v.length());
                yield p.length == 1 ? v.substring(from) : v.substring(from, Math.min(v.length(), from + Integer.parseInt(p[1].strip())));
            }
            case '=' -> v.isEmpty() ? apply(unescape(rest.substring(1)), lookup) : v;
            case '^' -> rest.equals("^^") ? v.toUpperCase() : v.isEmpty() ? v : v.substring(0, 1).toUpperCase() + v.substring(1);
            case ',' -> rest.equals(",,") ? v.toLowerCase() : v.isEmpty() ? v : v.substring(0, 1).toLowerCase() + v.substring(1);
            case '#' -> strip(v, rest.startsWith("##") ? rest.substring(2) : rest.substring(1), true, rest.startsWith("##"), lookup);
            case '%' -> strip(v, rest.startsWith("%%") ? rest.substring(2) : rest.substring(1), false, rest.startsWith("%%"), lookup);
            case '/' -> replace(v, rest.substring(1), lookup);
            default -> throw new IllegalArgumentException("not a substitution process-compose knows");
        };
    }

    private static String strip(String v, String pattern, boolean front, boolean longest, Function<String, String> lookup) {
        Pattern p = Pattern.compile(glob(apply(unescape(pattern), lookup)));
        int best = -1;
        for (int k = 0; k <= v.length(); k++) {
            String part = front ? v.substring(0, k) : v.substring(v.length() - k);
            if (p.matcher(part).matches()) {
                best = k;
                if (!longest) break;
            }
        }
        if (best < 0) return v;
        return front ? v.substring(best) : v.substring(0, v.length() - best);
    }

    private static String replace(String v, String spec, Function<String, String> lookup) {
        boolean all = spec.startsWith("/"), start = spec.startsWith("#"), end = spec.startsWith("%");
        if (all || start || end) spec = spec.substring(1);
        String[] p = spec.split("(?<!\\\\)/", 2);
        String pattern = glob(apply(unescape(p[0]), lookup)), with = p.length > 1 ? apply(unescape(p[1]), lookup) : "";
        String regex = start ? "^" + pattern : end ? pattern + "$" : pattern;
        Matcher m = Pattern.compile(regex).matcher(v);
        return all ? m.replaceAll(Matcher.quoteReplacement(with)) : m.replaceFirst(Matcher.quoteReplacement(with));
    }

    private static String unescape(String s) {
        return s.replace("\\/", "/").replace("\\\\", "\\");
    }

    /** A shell pattern (* ? [...]) as a regular expression. */
    private static String glob(String g) {
        StringBuilder r = new StringBuilder();
        for (char c : g.toCharArray()) {
            switch (c) {
                case '*' -> r.append(".*?");
                case '?' -> r.append('.');
                case '[', ']' -> r.append(c);
                default -> r.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return r.toString();
    }
}

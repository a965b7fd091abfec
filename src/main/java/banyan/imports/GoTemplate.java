package banyan.imports;

import java.util.List;
import java.util.Map;

/**
 * process-compose's Go templates, the part of them a file can mean without functions:
 * {{.NAME}} from vars (and PC_REPLICA_NUM), {{ "literal" }}, {{/* comment * /}} and the
 * {{- -}} trims. Anything else is left as written, and said in a comment.
 */
final class GoTemplate {
    private GoTemplate() {}

    /** @param notes gets a line for each action that was not rendered, or named no var */
    static String render(String s, Map<String, String> vars, List<String> notes) {
        if (!s.contains("{{")) return s;
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (true) {
            int open = s.indexOf("{{", at);
            if (open < 0) {
                out.append(s, at, s.length());
                return out.toString();
            }
            int close = s.indexOf("}}", open + 2);
            if (close < 0) {
                notes.add("'" + s.substring(open) + "' opens a template that is never closed; left as written");
                out.append(s, at, s.length());
                return out.toString();
            }
            String action = s.substring(open + 2, close);
            boolean trimLeft = action.startsWith("- "), trimRight = action.endsWith(" -");
            String before = s.substring(at, open);
            out.append(trimLeft ? before.stripTrailing() : before);
            String a = action.substring(trimLeft ? 2 : 0, action.length() - (trimRight ? 2 : 0)).strip();
            if (a.matches("\\.[A-Za-z_][A-Za-z0-9_]*")) {
                String v = vars.get(a.substring(1));
                if (v == null) notes.add("{{" + action + "}}: no var " + a.substring(1) + "; process-compose writes <no value>");
                out.append(v == null ? "<no value>" : v);
            } else if (a.matches("\"([^\"\\\\]|\\\\.)*\"")) {
                out.append(a.substring(1, a.length() - 1).replace("\\\"", "\"").replace("\\n", "\n").replace("\\\\", "\\"));
            } else if (a.matches("`[^`]*`")) {
                out.append(a, 1, a.length() - 1);
            } else if (!(a.startsWith("/*") && a.endsWith("*/"))) {
                notes.add("{{" + action + "}} is a Go template banyan import does not render; left as written, render it by hand");
                out.append("{{").append(action).append("}}");
            }
            at = close + 2;
            if (trimRight) while (at < s.length() && Character.isWhitespace(s.charAt(at))) at++;
        }
    }
}

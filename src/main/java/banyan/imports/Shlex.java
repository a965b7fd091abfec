package banyan.imports;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Python's shlex as supervisord uses it: `shlex.split` for a command, and its KEY="value",KEY2=value2 lists. */
final class Shlex {
    private Shlex() {}

    /** shlex.split(s), POSIX mode: quotes group, a backslash escapes (inside "..." only \ and "). */
    static List<String> split(String s) {
        List<String> words = new ArrayList<>();
        StringBuilder w = null;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
                else if (quote == '"' && c == '\\' && i + 1 < s.length() && (s.charAt(i + 1) == '"' || s.charAt(i + 1) == '\\'))
                    w.append(s.charAt(++i));
                else w.append(c);
            } else if (Character.isWhitespace(c)) {
                if (w != null) words.add(w.toString());
                w = null;
            } else {
                if (w == null) w = new StringBuilder();
                if (c == '\'' || c == '"') quote = c;
                else if (c == '\\') {
                    if (++i == s.length()) throw new IllegalArgumentException("no escaped character after the last \\");
                    w.append(s.charAt(i));
                } else w.append(c);
            }
        }
        if (quote != 0) throw new IllegalArgumentException("no closing quotation (" + quote + ")");
        if (w != null) words.add(w.toString());
        return words;
    }

    /** supervisord's dict_of_key_value_pairs: non-POSIX shlex tokens in threes, KEY = VALUE, then a separator. */
    static Map<String, String> pairs(String s) {
        List<String> t = tokens(s);
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < t.size(); i += 4) {
            if (i + 2 >= t.size() || !t.get(i + 1).equals("="))
                throw new IllegalArgumentException("'" + s.strip() + "' is not KEY=\"value\",KEY2=\"value2\" (a value with other than letters, digits and _/.+-(): needs quotes)");
            out.put(t.get(i), strip(t.get(i + 2)));
        }
        return out;
    }

    private static String strip(String v) {
        int a = 0, b = v.length();
        while (a < b && (v.charAt(a) == '"' || v.charAt(a) == '\'')) a++;
        while (b > a && (v.charAt(b - 1) == '"' || v.charAt(b - 1) == '\'')) b--;
        return v.substring(a, b);
    }

    private static boolean word(char c) {
        return Character.isLetterOrDigit(c) || "_/.+-():".indexOf(c) >= 0;
    }

    /** Non-POSIX shlex: words, quoted strings kept with their quotes, # comments, every other character a token. */
    private static List<String> tokens(String s) {
        List<String> out = new ArrayList<>();
        int i = 0, n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) i++;
            else if (c == '#') while (i < n && s.charAt(i) != '\n') i++;
            else if (c == '"' || c == '\'') {
                int end = s.indexOf(c, i + 1);
                if (end < 0) throw new IllegalArgumentException("no closing quotation (" + c + ") in '" + s.strip() + "'");
                out.add(s.substring(i, end + 1));
                i = end + 1;
            } else if (word(c)) {
                int start = i;
                while (i < n && (word(s.charAt(i)) || s.charAt(i) == '"' || s.charAt(i) == '\'')) i++;
                out.add(s.substring(start, i));
            } else {
                out.add(String.valueOf(c));
                i++;
            }
        }
        return out;
    }
}

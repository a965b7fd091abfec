package banyan.imports;

import java.util.ArrayList;
import java.util.List;

/**
 * An s6-rc oneshot's up or down file, a command line that s6-rc-compile reads with execlineb's
 * lexer. A plain command line (words, "quoted strings", # comments) becomes its argv, so it runs
 * without execline; one with { } blocks needs execlineb.
 */
final class Execline {
    private Execline() {}

    /** The words of a plain command line; null when it needs execlineb (blocks, or escapes banyan import does not read). */
    static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        int i = 0, n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (c == '#') {
                while (i < n && text.charAt(i) != '\n') i++;
                continue;
            }
            StringBuilder w = new StringBuilder();
            boolean quoted = false;
            while (i < n && !Character.isWhitespace(text.charAt(i))) {
                c = text.charAt(i);
                if (c == '"') {
                    quoted = true;
                    i++;
                    while (true) {
                        if (i >= n) return null;
                        char q = text.charAt(i++);
                        if (q == '"') break;
                        if (q != '\\') {
                            w.append(q);
                            continue;
                        }
                        if (i >= n) return null;
                        char e = text.charAt(i++);
                        switch (e) {
                            case 'n' -> w.append('\n');
                            case 't' -> w.append('\t');
                            case 'r' -> w.append('\r');
                            case '"', '\\' -> w.append(e);
                            case '\n' -> {}
                            default -> {
                                return null;
                            }
                        }
                    }
                } else if (c == '\\') {
                    if (i + 1 >= n) return null;
                    w.append(text.charAt(i + 1));
                    i += 2;
                } else {
                    w.append(c);
                    i++;
                }
            }
            String word = w.toString();
            if (!quoted && (word.equals("{") || word.equals("}"))) return null;
            out.add(word);
        }
        return out;
    }
}

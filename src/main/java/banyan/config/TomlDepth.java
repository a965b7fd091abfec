package banyan.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How deep arrays and inline tables nest, found by a scan of the text before the parser sees it:
 * tomlj's parser recurses once per level, and a few hundred levels overflow a thread's stack.
 * The scan knows only what hides a bracket: comments and the four kinds of string.
 */
final class TomlDepth {
    private TomlDepth() {}

    /** banyan's own deepest value is two levels (sources = [{ ... }]); 16 leaves room and stays far from the stack's end. */
    static final int MAX = 16;

    /** Where the first bracket or brace past max levels is; empty when the text stays within. */
    static Optional<Place> tooDeep(Path file, String text, int max) {
        int depth = 0, line = 1, lineStart = 0;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> {
                    line++;
                    lineStart = i + 1;
                }
                case '#' -> {
                    while (i + 1 < n && text.charAt(i + 1) != '\n') i++;
                }
                case '"', '\'' -> {
                    boolean multi = text.startsWith(String.valueOf(c).repeat(3), i);
                    int end = stringEnd(text, i, c, multi);
                    for (int j = i; j < end; j++) {
                        if (text.charAt(j) == '\n') {
                            line++;
                            lineStart = j + 1;
                        }
                    }
                    i = end - 1;
                }
                case '[', '{' -> {
                    if (++depth > max) return Optional.of(new Place(file, line, i - lineStart + 1));
                }
                case ']', '}' -> depth = Math.max(0, depth - 1);
                default -> { }
            }
        }
        return Optional.empty();
    }

    /** Index just past the string that opens at start (past the text's end when it is never closed). */
    private static int stringEnd(String text, int start, char quote, boolean multi) {
        int n = text.length();
        int i = start + (multi ? 3 : 1);
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\\' && quote == '"') i += 2;
            else if (!multi && c == '\n') return i; // an unclosed one-line string: the parser reports it
            else if (c == quote && (!multi || text.startsWith(String.valueOf(quote).repeat(3), i))) {
                // a multi-line string may end in up to two more quotes: """a"""""
                int end = i + (multi ? 3 : 1);
                while (multi && end < n && text.charAt(end) == quote && end < i + 5) end++;
                return end;
            } else i++;
        }
        return n;
    }
}

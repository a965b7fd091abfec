package banyan.config;

import java.nio.file.Path;

/** One thing wrong with a configuration, at file:line:column (no place when the file's name itself is empty). */
public record Problem(Path file, int line, int column, String message) {
    @Override
    public String toString() {
        if (file.toString().isEmpty()) return message;
        return file + (line > 0 ? ":" + line + ":" + column : "") + ": " + message;
    }
}

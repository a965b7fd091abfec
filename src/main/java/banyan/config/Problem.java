package banyan.config;

import java.nio.file.Path;

/** One thing wrong with a configuration, at file:line:column. */
public record Problem(Path file, int line, int column, String message) {
    @Override
    public String toString() {
        return file + (line > 0 ? ":" + line + ":" + column : "") + ": " + message;
    }
}

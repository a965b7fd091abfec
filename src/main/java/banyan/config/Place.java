package banyan.config;

import java.nio.file.Path;

/** Where something was written: file:line:column (line 0 when the whole file is meant). */
public record Place(Path file, int line, int column) {
    public Problem problem(String message) {
        return new Problem(file, line, column, message);
    }

    @Override
    public String toString() {
        return file + (line > 0 ? ":" + line + ":" + column : "");
    }
}

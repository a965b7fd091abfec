package banyan.imports;

import java.nio.file.Path;

/** Input that cannot be imported: the message names the file (and line when known) and what is wrong. */
public final class ImportException extends Exception {
    public ImportException(Path file, int line, String message) {
        super(file + (line > 0 ? ":" + line : "") + ": " + message);
    }
}

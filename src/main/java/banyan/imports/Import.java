package banyan.imports;

import banyan.config.ConfigException;
import banyan.config.ConfigLoader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * `banyan import KIND PATH`: another supervisor's configuration as an equivalent banyan.toml.
 * Every key of the source with an equivalent is translated; every other one is kept as a
 * comment saying why. Only this package loads the YAML and INI parsers, and only on import.
 */
public final class Import {
    private Import() {}

    public static final List<String> KINDS = List.of("supervisord", "process-compose", "s6");

    /** @param warnings what banyan's own loader says about the result here, such as a user this machine lacks */
    public record Result(String toml, List<String> warnings) {}

    /**
     * @param env      the environment the source's own tool would see (supervisord's %(ENV_X)s, process-compose's ${X})
     * @param hostname supervisord's %(host_node_name)s
     */
    public static Result run(String kind, Path source, Map<String, String> env, String hostname) throws ImportException {
        Path file = source.toAbsolutePath().normalize();
        Document doc = switch (kind) {
            case "supervisord" -> Supervisord.read(file, env, hostname);
            case "process-compose" -> ProcessCompose.read(file, env);
            case "s6" -> S6.read(file);
            default -> throw new IllegalArgumentException("unknown kind " + kind + "; known: " + String.join(", ", KINDS));
        };
        String toml = doc.render();
        return new Result(toml, check(toml));
    }

    /** The problems banyan's loader finds in the result, by line of the result. */
    static List<String> check(String toml) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("banyan-import-", ".toml");
            Files.writeString(tmp, toml);
            ConfigLoader.load(tmp);
            return List.of();
        } catch (ConfigException e) {
            return e.problems().stream().map(p -> (p.line() > 0 ? "line " + p.line() + ": " : "") + p.message()).toList();
        } catch (IOException e) {
            return List.of("could not check the result: " + e.getMessage());
        } finally {
            if (tmp != null) try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // a temporary file left in /tmp
            }
        }
    }

    /** A file the importer reads: a clear error when it is missing or unreadable. */
    static String text(Path file) throws ImportException {
        try {
            return Files.readString(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ImportException(file, 0, "no such file");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new ImportException(file, 0, "not UTF-8 text");
        } catch (IOException e) {
            throw new ImportException(file, 0, "cannot read: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        }
    }
}

package banyan.config;

import banyan.os.TextFile;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * KEY=VALUE lines as systemd's EnvironmentFile: # comments, blank lines, optional quotes, optional "export ".
 * Read at load time by the rules of {@link TextFile}: a regular UTF-8 file of at most 1 MiB.
 */
final class EnvFile {
    private EnvFile() {}

    static void read(Fields f, String pathText, Map<String, String> into) {
        Path path = Path.of(pathText);
        if (!path.isAbsolute()) path = f.place(null).file().toAbsolutePath().getParent().resolve(path);
        List<String> lines;
        try {
            lines = TextFile.read(path).lines().toList();
        } catch (TextFile.Unreadable e) {
            f.error("env_file", e.about(path));
            return;
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.indexOf('\0') >= 0) {
                f.error("env_file", path + ":" + (i + 1) + ": holds a NUL character, which no variable can carry");
                continue;
            }
            if (line.isEmpty() || line.startsWith("#")) continue;
            if (line.startsWith("export ")) line = line.substring(7).strip();
            int eq = line.indexOf('=');
            if (eq <= 0 || !line.substring(0, eq).strip().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                f.error("env_file", path + ":" + (i + 1) + ": expected NAME=value, got '" + line + "'");
                continue;
            }
            String value = line.substring(eq + 1).strip();
            if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'")))
                value = value.substring(1, value.length() - 1);
            into.put(line.substring(0, eq).strip(), value);
        }
    }
}

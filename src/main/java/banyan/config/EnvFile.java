package banyan.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** KEY=VALUE lines as systemd's EnvironmentFile: # comments, blank lines, optional quotes, optional "export ". */
final class EnvFile {
    private EnvFile() {}

    static void read(Fields f, String pathText, Map<String, String> into) {
        Path path = Path.of(pathText);
        if (!path.isAbsolute()) path = f.place(null).file().toAbsolutePath().getParent().resolve(path);
        List<String> lines;
        try {
            lines = Files.readAllLines(path);
        } catch (IOException e) {
            f.error("env_file", "cannot read " + path + ": " + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
            return;
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
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

package banyan.imports;

import banyan.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A shell's ${X} in an imported command stays the shell's: it is written $${X}, which banyan reads back as ${X}. */
class ImportDollarTest {
    @TempDir
    Path dir;

    @Test
    void aShellVariableIsNotTakenForOneOfBanyans() throws Exception {
        Path conf = dir.resolve("supervisord.conf");
        Files.writeString(conf, "[program:web]\ncommand=/bin/sh -c 'exec web --port ${PORT}'\n");
        Import.Result r = Import.run("supervisord", conf, Map.of("HOME", "/root"), "h");
        assertEquals(List.of(), r.warnings(), r.toml());
        assertTrue(r.toml().contains("$${PORT}"), r.toml());
        Path out = dir.resolve("banyan.toml");
        Files.writeString(out, r.toml());
        assertEquals(List.of("/bin/sh", "-c", "exec web --port ${PORT}"), ConfigLoader.load(out).services().get("web").command());
    }
}

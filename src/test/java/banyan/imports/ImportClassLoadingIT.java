package banyan.imports;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static banyan.imports.SideBySide.*;
import static org.junit.jupiter.api.Assertions.*;

/** The YAML and INI parsers are loaded by `banyan import` only: `banyan up` and `banyan status` never load a class of theirs. */
@Timeout(120)
class ImportClassLoadingIT {
    static final List<String> IMPORT_ONLY = List.of("org.snakeyaml.", "org.ini4j.", "banyan.imports.");

    @TempDir
    Path dir;

    ProcessBuilder java(Path classLog, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xlog:class+load=info:file=" + classLog, "--enable-native-access=ALL-UNNAMED",
                "-Dbanyan.exec=" + System.getProperty("banyan.exec"), "-cp", System.getProperty("java.class.path"), "banyan.cli.Main"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    }

    static List<String> loaded(Path classLog, List<String> prefixes) throws IOException {
        return Files.readAllLines(classLog).stream().filter(l -> prefixes.stream().anyMatch(p -> l.contains(" " + p))).toList();
    }

    int run(Path classLog, Path out, String... args) throws Exception {
        Process p = java(classLog, args).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", args) + " did not end");
        return p.exitValue();
    }

    @Test
    void upAndStatusLoadNoClassOfTheImporters() throws Exception {
        Path toml = write(dir.resolve("banyan.toml"), "log_dir = \"" + dir.resolve("logs") + "\"\n[service.sleeper]\ncommand = [\"sleep\", \"1000\"]\n", false);
        Path sock = dir.resolve("control.sock"), upLog = dir.resolve("up.classes"), console = dir.resolve("up.out");
        Process up = java(upLog, "up", "-f", toml.toString(), "--control", sock.toString()).redirectOutput(console.toFile()).start();
        try {
            await("banyan up to bring its stack up", Duration.ofSeconds(60), () -> {
                try {
                    return Files.readString(console).contains("up: 1 of 1 ready");
                } catch (IOException e) {
                    return false;
                }
            });
            Path statusLog = dir.resolve("status.classes");
            assertEquals(0, run(statusLog, dir.resolve("status.out"), "status", "--control", sock.toString()), Files.readString(dir.resolve("status.out")));
            assertTrue(Files.readString(dir.resolve("status.out")).contains("sleeper"));
            assertFalse(Files.readAllLines(statusLog).isEmpty(), "the class log is written");
            assertEquals(List.of(), loaded(statusLog, IMPORT_ONLY), "banyan status loaded importer classes");
        } finally {
            stop(up, Duration.ofSeconds(30));
        }
        assertTrue(loaded(upLog, List.of("banyan.manage.")).size() > 0, "the class log of up is written");
        assertEquals(List.of(), loaded(upLog, IMPORT_ONLY), "banyan up loaded importer classes");
    }

    @Test
    void importLoadsTheParserOfItsKindOnly() throws Exception {
        Path conf = write(dir.resolve("supervisord.conf"), "[program:a]\ncommand=sleep 1\n", false);
        Path yaml = write(dir.resolve("process-compose.yaml"), "processes:\n  a:\n    command: sleep 1\n", false);
        Path ini = dir.resolve("ini.classes"), yml = dir.resolve("yaml.classes");
        assertEquals(0, run(ini, dir.resolve("ini.out"), "import", "supervisord", conf.toString()), Files.readString(dir.resolve("ini.out")));
        assertEquals(0, run(yml, dir.resolve("yaml.out"), "import", "process-compose", yaml.toString()), Files.readString(dir.resolve("yaml.out")));
        assertFalse(loaded(ini, List.of("org.ini4j.")).isEmpty(), "import supervisord reads with ini4j");
        assertEquals(List.of(), loaded(ini, List.of("org.snakeyaml.")));
        assertFalse(loaded(yml, List.of("org.snakeyaml.")).isEmpty(), "import process-compose reads with snakeyaml-engine");
        assertEquals(List.of(), loaded(yml, List.of("org.ini4j.")));
    }
}

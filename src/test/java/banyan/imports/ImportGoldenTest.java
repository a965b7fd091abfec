package banyan.imports;

import banyan.config.ConfigLoader;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Golden files: the examples of each tool's documentation, rewritten (src/test/import-cases),
 * imported and compared with KIND/CASE.toml; each result must load with banyan's own loader.
 * -Dbanyan.golden.update=true rewrites the expected files (read the diff before committing it).
 */
class ImportGoldenTest {
    static final Path CASES = Path.of("src/test/import-cases").toAbsolutePath().normalize();
    /** The environment and host name the sources' own tools would see: fixed, so the files are. */
    static final Map<String, String> ENV = Map.of("HOME", "/home/app", "PATH", "/usr/local/bin:/usr/bin:/bin", "LOGLEVEL", "debug");

    record Case(String kind, Path input, Path expected) {
        @Override
        public String toString() {
            return kind + "/" + expected.getFileName();
        }
    }

    static Stream<Case> cases() throws Exception {
        List<Case> out = new ArrayList<>();
        for (String kind : Import.KINDS) {
            try (Stream<Path> s = Files.list(CASES.resolve(kind))) {
                for (Path dir : s.filter(Files::isDirectory).sorted().toList()) {
                    Path input = switch (kind) {
                        case "supervisord" -> dir.resolve("supervisord.conf");
                        case "process-compose" -> dir.resolve("process-compose.yaml");
                        default -> dir;
                    };
                    out.add(new Case(kind, input, CASES.resolve(kind).resolve(dir.getFileName() + ".toml")));
                }
            }
        }
        return out.stream();
    }

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void importsAsTheGoldenFileSaysAndTheResultLoads(Case c) throws Exception {
        Import.Result r = Import.run(c.kind(), c.input(), ENV, "testhost");
        String got = r.toml().replace(CASES.toString(), "@CASES@");
        if (Boolean.getBoolean("banyan.golden.update")) Files.writeString(c.expected(), got);
        assertTrue(Files.exists(c.expected()), "no golden file " + c.expected() + "; run with -Dbanyan.golden.update=true and read it");
        assertEquals(Files.readString(c.expected()), got, c + " differs from its golden file");
        Path toml = tmp.resolve("banyan.toml");
        Files.writeString(toml, r.toml());
        var config = ConfigLoader.load(toml); // throws, with every problem, if it does not load
        assertFalse(config.services().isEmpty(), c + ": no service");
        assertEquals(List.of(), r.warnings(), c + ": the importer's own check");
    }
}

package banyan.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** `[core]`: what it copies (programs with their loader and libraries, from their ELF headers) and its located errors. */
class CoreConfigTest {
    @TempDir
    Path dir;

    StackConfig load(String text) throws Exception {
        Path p = dir.resolve("banyan.toml");
        Files.writeString(p, text.replace("DIR", dir.toString()));
        return ConfigLoader.load(p);
    }

    List<String> problems(String text) throws IOException {
        Path p = dir.resolve("banyan.toml");
        Files.writeString(p, text.replace("DIR", dir.toString()));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(p));
        return e.problems().stream().map(Problem::toString).map(s -> s.replace(p.toString(), "F").replace(dir.toString(), "DIR")).toList();
    }

    RootConfig.Core core(StackConfig c) {
        return (RootConfig.Core) c.roots().get("core").sources().getFirst();
    }

    /** cc builds a program linked against a library of its own in dir, with or without a run path to find it. */
    Path program(String rpath) throws Exception {
        Files.writeString(dir.resolve("lib.c"), "int answer(void) { return 42; }\n");
        Files.writeString(dir.resolve("main.c"), "int answer(void); int main(void) { return answer() == 42 ? 0 : 1; }\n");
        cc("-shared", "-fPIC", "-o", dir.resolve("libanswer.so").toString(), dir.resolve("lib.c").toString());
        Path out = dir.resolve("answer");
        List<String> argv = new java.util.ArrayList<>(List.of("-o", out.toString(), dir.resolve("main.c").toString(), "-L" + dir, "-lanswer"));
        if (rpath != null) argv.add("-Wl,-rpath," + rpath);
        cc(argv.toArray(String[]::new));
        return out;
    }

    static void cc(String... args) throws Exception {
        List<String> argv = new java.util.ArrayList<>(List.of("cc"));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).inheritIO().start();
        assertEquals(0, p.waitFor(), "cc " + String.join(" ", args));
    }

    @Test
    void noCoreUnlessAskedForAndBusyboxByDefaultForAServiceOnIt() throws Exception {
        assertFalse(load("[service.a]\ncommand = [\"true\"]\n").roots().containsKey("core"));
        StackConfig c = load("[service.a]\nroot = \"core\"\ncommand = [\"/bin/sh\"]\n");
        assertEquals(List.of("/bin/busybox"), core(c).files(), "Debian's busybox-static is static: nothing else");
        assertEquals(64L << 20, core(c).size());
        assertTrue(c.roots().get("core").probe().isEmpty(), "the core is never probed");
    }

    @Test
    void aProgramComesWithItsLoaderAndLibrariesAndADirectoryWhole() throws Exception {
        StackConfig c = load("""
                [core]
                copy = ["/bin/ls", "/etc/ssh", "DIR/answer"]
                size = "32MiB"
                """.replace("DIR/answer", program("$ORIGIN").toString()));
        List<String> files = core(c).files();
        assertEquals("/bin/ls", files.getFirst());
        assertTrue(files.contains("/lib64/ld-linux-x86-64.so.2"), files.toString());
        assertTrue(files.stream().anyMatch(f -> f.endsWith("/libc.so.6")), files.toString());
        assertTrue(files.stream().anyMatch(f -> f.endsWith("/libselinux.so.1")), "ls needs libselinux: " + files);
        assertTrue(files.contains(dir.resolve("libanswer.so").toString()), "found through $ORIGIN: " + files);
        assertTrue(files.contains("/etc/ssh"), files.toString());
        assertEquals(32L << 20, core(c).size());
    }

    @Test
    void aMissingEntryAnUnresolvableLibraryAndATooSmallCoreAreLocated() throws Exception {
        program(null);
        assertEquals(List.of("F:2:1: core.copy: '/no/such/prog' does not exist; name a file or directory that exists",
                "F:2:1: core.copy: 'DIR/answer': library libanswer.so needed by DIR/answer is not in /lib/x86_64-linux-gnu, "
                        + "/usr/lib/x86_64-linux-gnu, /lib64, /usr/lib64, /lib, /usr/lib; install it, or copy a static build"), problems("""
                [core]
                copy = ["/no/such/prog", "DIR/answer"]
                """));
        List<String> small = problems("""
                [core]
                copy = ["/usr/lib/x86_64-linux-gnu"]
                size = "1MiB"
                """);
        assertEquals(1, small.size(), small.toString());
        assertTrue(small.getFirst().startsWith("F:3:1: core.size: the copy needs ") && small.getFirst().contains("but the core's tmpfs holds 1.0 MiB; raise [core] size"),
                small.toString());
        assertEquals(List.of("F:3:1: core.copy: element 1 'bin/sh' must be an absolute path without ..",
                "F:2:1: core.size: 'lots' is not a size of at least 1MiB; write it like \"64MiB\""), problems("""
                [core]
                size = "lots"
                copy = ["bin/sh"]
                """));
    }
}

package banyan.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Variables through the real command line: bad vars files and flags are exit 2; a reload re-reads them and names what they touch. */
class VarsEndToEndTest {
    @TempDir
    Path dir;

    Path config() throws Exception {
        Path f = dir.resolve("banyan.toml");
        Files.writeString(f, "log_dir = \"" + dir.resolve("log") + "\"\n" + """
                [vars]
                msg = "one"
                [service.a]
                command = ["sh", "-c", "echo a says ${msg}; exec sleep 1000"]
                [service.b]
                command = ["sleep", "1000"]
                """);
        return f;
    }

    RealUp.Run up(String... args) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of("up", "-f", config().toString(), "--control", dir.resolve("never.sock").toString()));
        all.addAll(List.of(args));
        return RealUp.banyan(Map.of(), all.toArray(String[]::new));
    }

    @Test
    void badVarsFilesAndFlagsAreUsageErrors() throws Exception {
        Path unknown = dir.resolve("unknown.toml"), syntax = dir.resolve("syntax.toml");
        Files.writeString(unknown, "mgs = \"x\"\n");
        Files.writeString(syntax, "msg = \n");
        RealUp.Run r = up("--vars", unknown.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(unknown + ":1:1: unknown variable 'mgs'; did you mean ${msg}?"), r.err());
        r = up("--vars", syntax.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith(syntax + ":1:"), r.err());
        r = up("--vars", dir.resolve("missing.toml").toString());
        assertEquals(2, r.code(), r.err());
        r = up("--var", "msgg=x");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--var msgg=...: unknown variable 'msgg'; did you mean ${msg}?"), r.err());
        r = up("--pause-before", "service.c");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--pause-before service.c: no such step; did you mean service.a?"), r.err());
        r = up("--interactive", "--save-answers", dir.resolve("no/such/dir/a.toml").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--save-answers " + dir.resolve("no/such/dir/a.toml") + ": no directory"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void aReloadReReadsTheVarsFileAndSaysWhatAChangedVariableTouches() throws Exception {
        Path vars = dir.resolve("vars.toml"), sock = dir.resolve("c.sock");
        Files.writeString(vars, "msg = \"two\"\n");
        Process up = new ProcessBuilder(RealUp.java("up", "-f", config().toString(), "--control", sock.toString(), "--vars", vars.toString(),
                "--interactive")).redirectErrorStream(true).redirectOutput(dir.resolve("up.out").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            RealUp.Run w;
            long end = System.nanoTime() + 60_000_000_000L;
            do w = RealUp.banyan(Map.of(), "wait", "b", "--ready", "--timeout", "5s", "--control", sock.toString());
            while (w.code() != 0 && System.nanoTime() < end && up.isAlive());
            assertEquals(0, w.code(), w.err() + Files.readString(dir.resolve("up.out")));
            assertTrue(Files.readString(dir.resolve("up.out")).contains("interactive: stdin is not a terminal; bringing up without questions"));
            RealUp.Run v = RealUp.banyan(Map.of(), "vars", "--json", "--control", sock.toString());
            assertEquals("{\"vars\":[{\"name\":\"msg\",\"value\":\"two\",\"origin\":\"vars file " + vars + ":1:1\",\"used_by\":[\"service.a\"]}]}",
                    v.out().strip());

            Files.writeString(vars, "# changed\nmsg = \"three\"\n");
            RealUp.Run r = RealUp.banyan(Map.of(), "reload", "--control", sock.toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("restarted [a], unchanged 1; variables changed: msg (touches a)"), r.out());
            assertEquals(0, RealUp.banyan(Map.of(), "wait", "a", "--ready", "--timeout", "20s", "--control", sock.toString()).code());
            v = RealUp.banyan(Map.of(), "vars", "--control", sock.toString());
            assertTrue(v.out().contains("msg   three  vars file " + vars + ":2:1  service.a"), v.out());

            Files.writeString(vars, "msg = \"four\"\nnope = \"x\"\n");
            r = RealUp.banyan(Map.of(), "reload", "--control", sock.toString());
            assertEquals(1, r.code(), r.out());
            assertTrue(r.err().contains(vars + ":2:1: unknown variable 'nope'"), r.err());
        } finally {
            RealUp.banyan(Map.of(), "shutdown", "--control", sock.toString());
            assertTrue(up.waitFor(30, TimeUnit.SECONDS));
        }
        String log = Files.readString(dir.resolve("log").resolve("a.log"));
        assertTrue(log.contains("a says two") && log.contains("a says three") && !log.contains("a says four"), log);
    }
}

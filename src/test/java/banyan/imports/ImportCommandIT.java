package banyan.imports;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static banyan.imports.SideBySide.*;
import static org.junit.jupiter.api.Assertions.*;

/** `banyan import` as a user runs it: the file on stdout, problems on stderr, exit 2 and no stack trace for bad input. */
class ImportCommandIT {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    Run run(String... args) throws Exception {
        Process p = banyan(dir, Map.of(), args);
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes()), err = new String(p.getErrorStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace for the user: " + err);
        return new Run(p.exitValue(), out, err);
    }

    @Test
    void badInputExitsTwoWithTheFileAndLine() throws Exception {
        Path yaml = write(dir.resolve("process-compose.yaml"), "processes:\n  web:\n    command: [oops\n", false);
        Run r = run("import", "process-compose", yaml.toString());
        assertEquals(2, r.code(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("banyan: import: " + yaml + ":4: not YAML: "), r.err());
        r = run("import", "supervisord", dir.resolve("missing.conf").toString());
        assertEquals(2, r.code());
        assertEquals("banyan: import: " + dir.resolve("missing.conf") + ": no such file\n", r.err());
        r = run("import", "runit", dir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown kind 'runit'; use one of: supervisord, process-compose, s6"), r.err());
        r = run("import", "s6");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Missing required parameter: 'PATH'"), r.err());
    }

    @Test
    void theResultGoesToStdoutAndWhatDoesNotLoadHereIsSaidOnStderr() throws Exception {
        Path conf = write(dir.resolve("supervisord.conf"), "[program:app]\ncommand=/usr/bin/app --serve\nuser=no-such-user-here\n", false);
        Run r = run("import", "supervisord", conf.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("[service.app]\n# [program:app] at supervisord.conf:1\ncommand = [\"/usr/bin/app\", \"--serve\"]\n"), r.out());
        assertTrue(r.out().contains("user = \"no-such-user-here\""), r.out());
        assertEquals("banyan: import: the result does not load here as it is: line 7: service.app.user: no user 'no-such-user-here' "
                + "in /etc/passwd; create it or give a numeric uid\n", r.err());
    }
}

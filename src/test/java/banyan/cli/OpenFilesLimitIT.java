package banyan.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** A stack that needs more file descriptors than RLIMIT_NOFILE allows is refused before anything starts. */
class OpenFilesLimitIT {
    @TempDir
    Path dir;

    @Test
    void aStackTooBigForTheLimitIsRefusedWithTheLimitNamed() throws Exception {
        StringBuilder toml = new StringBuilder("log_dir = \"" + dir.resolve("log") + "\"\n");
        for (int i = 0; i < 40; i++) toml.append("[service.s").append(i).append("]\ncommand = [\"sleep\", \"1000\"]\n");
        Files.writeString(dir.resolve("banyan.toml"), toml);
        List<String> cmd = new ArrayList<>(List.of("prlimit", "--nofile=300:300"));
        cmd.addAll(CliEndToEndTest.java("up", "-f", dir.resolve("banyan.toml").toString(), "--control", dir.resolve("c.sock").toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("40 service(s) need about 456 file descriptors in banyan, and its limit (RLIMIT_NOFILE) is 300"), out);
        assertTrue(out.contains("nothing was started"), out);
        assertFalse(out.contains("Exception"), out);
    }

    @Test
    void theSoftLimitIsRaisedToTheHardOneAndTheRoomIsSaid() throws Exception {
        Files.writeString(dir.resolve("banyan.toml"), "log_dir = \"" + dir.resolve("log") + "\"\n[service.a]\ncommand = [\"sleep\", \"1000\"]\n");
        List<String> cmd = new ArrayList<>(List.of("prlimit", "--nofile=300:4096"));
        cmd.addAll(CliEndToEndTest.java("up", "-f", dir.resolve("banyan.toml").toString(), "--control", dir.resolve("c.sock").toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
            String line;
            while ((line = r.readLine()) != null && !line.contains("starting 1 service(s)")) {}
            assertNotNull(line, "banyan up started");
            assertTrue(line.contains("room for about 768 service(s) with RLIMIT_NOFILE 4096"), line);
        } finally {
            p.toHandle().destroy();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
    }
}

package banyan.logs;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static banyan.logs.ExternalLoggerTest.await;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A log_dir that cannot be written (issue 17, item 13): under /proc, or where a file is in the way.
 * banyan up says so at start, naming the directory and the fix, supervises as usual, keeps the
 * output in memory, and counts every line that misses its file, as for a full disk.
 */
@Timeout(90)
class LogDirTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"/proc/banyan-logs", "FILE"})
    void anUnwritableLogDirIsSaidAtStartAndItsLinesAreCountedAsLost(String where) throws Exception {
        Path logDir = where.equals("FILE") ? Files.writeString(dir.resolve("not-a-dir"), "x") : Path.of(where);
        Path socket = dir.resolve("control.sock"), console = dir.resolve("up.out");
        Files.writeString(dir.resolve("banyan.toml"), """
                log_dir = "%s"
                [service.talker]
                command = "i=0; while :; do i=$((i+1)); echo line $i; sleep 0.01; done"
                """.formatted(logDir));
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-Dbanyan.exec=" + System.getProperty("banyan.exec"), "-cp", System.getProperty("java.class.path"), "banyan.cli.Main",
                "up", "-f", dir.resolve("banyan.toml").toString(), "--control", socket.toString());
        Process up = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(console.toFile()).start();
        try {
            await("the talker's lines counted as lost", () -> lost(socket) >= 20);
            String said = Files.readString(console);
            assertTrue(said.contains("warning: log_dir " + logDir + " cannot be written ("), said);
            assertTrue(said.contains("make " + logDir + " a writable directory"), "names the fix: " + said);
            assertTrue(said.contains("or set log_dir to one and restart banyan"), said);
            if (where.equals("FILE")) assertTrue(said.contains("a file, not a directory, is in the way"), said);
            assertFalse(said.contains("Exception"), said);
            assertFalse(said.contains("warning: talker:"), "said once for the directory, not again for each file: " + said);
            JsonObject st = status(socket);
            assertEquals("up", st.get("state").getAsString(), "supervision goes on: " + st);
            String tail = curl(socket, "http://banyan/v1/services/talker/logs?n=3");
            assertTrue(tail.contains("line "), "the output is kept in memory: " + tail);
            String metrics = curl(socket, "http://banyan/metrics");
            assertTrue(metrics.contains("banyan_service_log_lines_lost_total{service=\"talker\"} "), metrics);
            up.destroy();
            assertTrue(up.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, up.exitValue(), Files.readString(console));
        } finally {
            up.destroyForcibly();
            up.waitFor(10, TimeUnit.SECONDS);
        }
        if (!where.equals("FILE")) assertFalse(Files.exists(logDir));
    }

    private static long lost(Path socket) {
        try {
            return status(socket).get("log_lines_lost").getAsLong();
        } catch (Exception e) {
            return -1; // not listening yet
        }
    }

    private static JsonObject status(Path socket) throws Exception {
        return JsonParser.parseString(curl(socket, "http://banyan/v1/services/talker")).getAsJsonObject();
    }

    private static String curl(Path socket, String url) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--unix-socket", socket.toString(), url));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        if (p.exitValue() != 0) throw new IOException(cmd + ": " + out);
        return out;
    }
}

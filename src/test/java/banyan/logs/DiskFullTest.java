package banyan.logs;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static banyan.logs.ExternalLoggerTest.await;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A real `banyan up` whose log_dir is a small tmpfs, mounted in a private mount namespace
 * (unshare --mount) so that nothing outlives the test. The test fills that tmpfs through
 * /proc/PID/root, watches lines being lost and counted while supervision goes on, then frees it.
 */
@Timeout(120)
class DiskFullTest {
    /** Numbered lines "line INSTANCE N"; its record says how many it wrote; TERM ends it after a whole line. */
    static final String TALKER = """
            import os, sys, signal, time
            stop = []
            signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
            inst = len(os.listdir(sys.argv[1])) + 1
            rec = os.open(os.path.join(sys.argv[1], str(inst)), os.O_WRONLY | os.O_CREAT, 0o644)
            i = 0
            while not stop:
                i += 1
                os.write(1, b'line %d %d\\n' % (inst, i))
                os.pwrite(rec, b'%012d' % i, 0)
                time.sleep(0.005)
            """;
    static final Pattern LINE = Pattern.compile("^\\S+ out line (\\d) (\\d+)$"), NOTE = Pattern.compile("^\\S+ banyan (\\d+) line\\(s\\) lost: (.*)$");

    @TempDir
    Path dir;
    Path socket;

    @Test
    void linesThatFindNoRoomAreCountedAndNotedOnceThereIsRoomAgain() throws Exception {
        requireRoot();
        Path logdir = Files.createDirectory(dir.resolve("log")), state = Files.createDirectory(dir.resolve("state"));
        socket = dir.resolve("control.sock");
        Files.writeString(dir.resolve("talker.py"), TALKER);
        Files.writeString(dir.resolve("banyan.toml"), """
                log_dir = "%s"
                log_max_size = "1MiB"
                [service.talker]
                command = ["python3", "%s", "%s"]
                """.formatted(logdir, dir.resolve("talker.py"), state));
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs -o size=128k tmpfs \"$0\" && exec \"$@\"", logdir.toString()));
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-Dbanyan.exec=" + System.getProperty("banyan.exec"), "-cp", System.getProperty("java.class.path"), "banyan.cli.Main",
                "up", "-f", dir.resolve("banyan.toml").toString(), "--control", socket.toString()));
        Path console = dir.resolve("up.out");
        Process up = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(console.toFile()).start();
        try {
            // unshare and sh exec: the JVM has unshare's pid, and its mounts are seen under /proc/PID/root
            Path inside = Path.of("/proc/" + up.pid() + "/root").resolve(logdir.toString().substring(1));
            Path file = inside.resolve("talker.log");
            await("the first lines in " + file, () -> lines(file).size() >= 20);
            String mounts = read(Path.of("/proc/" + up.pid() + "/mountinfo"));
            assertTrue(mounts.lines().anyMatch(m -> m.split(" ")[4].equals(logdir.toString()) && m.contains(" - tmpfs ")), mounts);
            assertFalse(Files.exists(logdir.resolve("talker.log")), "the tmpfs is private to banyan's mount namespace");

            fill(inside.resolve("fill"));
            await("lines counted as lost", () -> lost() >= 30);
            await("the console's warning, when the loss begins", () -> read(console).contains("warning: talker: log lines cannot be written to "
                    + logdir.resolve("talker.log") + " (No space left on device); they are counted as lost"));
            JsonObject before = status();
            JsonObject restarted = json("-X", "POST", "http://banyan/v1/services/talker/restart?wait=10s");
            assertEquals("up", restarted.get("state").getAsString(), "supervision goes on with a full disk: " + restarted);
            assertNotEquals(before.get("pid").getAsInt(), restarted.get("pid").getAsInt());
            long lostBeforeRestart = restarted.get("log_lines_lost").getAsLong();
            await("the new instance's lines counted as lost too", () -> lost() >= lostBeforeRestart + 20);

            Files.delete(inside.resolve("fill"));
            await("the note in the file and new lines after it", () -> {
                List<String> l = lines(file);
                int note = indexOfNote(l);
                return note >= 0 && l.size() > note + 5;
            });
            json("-X", "POST", "http://banyan/v1/services/talker/stop?wait=10s");
            long r1 = record(state, 1), r2 = record(state, 2);
            await("the last line of the talker in the file", () -> lines(file).stream().anyMatch(l -> l.endsWith(" out line 2 " + r2)));

            List<String> l = lines(file);
            Matcher note = NOTE.matcher(l.get(indexOfNote(l)));
            assertTrue(note.matches());
            long noted = Long.parseLong(note.group(1)), lost = lost();
            assertEquals("No space left on device", note.group(2));
            assertEquals(lost, noted, "one note for the whole episode");
            Set<String> written = new HashSet<>(); // a line cut by the full disk, if its rest was a number, repeats an earlier one
            for (String s : l) if (LINE.matcher(s).matches()) written.add(s.substring(s.indexOf(" out ")));
            assertEquals(r1 + r2, written.size() + lost, "every line the talker wrote is in the file or counted as lost");
            System.out.println("disk full: " + lost + " lines lost and noted, " + written.size() + " in the file, " + (r1 + r2) + " written");
            String metrics = curl("http://banyan/metrics");
            assertTrue(metrics.contains("banyan_service_log_lines_lost_total{service=\"talker\"} " + lost), metrics);
            await("the console's note", () -> read(console).contains("talker: " + lost + " log line(s) could not be written to "));

            up.destroy(); // SIGTERM
            assertTrue(up.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, up.exitValue(), read(console));
        } finally {
            up.destroyForcibly(); // its mount namespace, and the tmpfs, end with it
            up.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Skips with a reason when not root, except with CI=true: there the test must run. */
    static void requireRoot() {
        if ("root".equals(System.getProperty("user.name"))) return;
        if ("true".equals(System.getenv("CI"))) fail("CI=true but not root: the disk-full test mounts a tmpfs (run CI as root)");
        System.out.println("skipping DiskFullTest: mounting a tmpfs needs root");
        Assumptions.abort("needs root");
    }

    /** Writes zeros until the filesystem is full. */
    private static void fill(Path p) throws IOException {
        try (FileOutputStream out = new FileOutputStream(p.toFile())) {
            byte[] block = new byte[4096];
            for (int i = 0; i < 1_000; i++) out.write(block);
            fail("a 4 MB file fitted in the small tmpfs");
        } catch (IOException e) {
            assertTrue(String.valueOf(e.getMessage()).contains("No space left on device"), e.toString());
        }
    }

    private static int indexOfNote(List<String> lines) {
        for (int i = 0; i < lines.size(); i++) if (NOTE.matcher(lines.get(i)).matches()) return i;
        return -1;
    }

    static long record(Path state, int instance) throws IOException {
        return Long.parseLong(Files.readString(state.resolve(String.valueOf(instance))).trim());
    }

    private long lost() {
        try {
            return status().get("log_lines_lost").getAsLong();
        } catch (Exception e) {
            return -1; // not listening yet
        }
    }

    private JsonObject status() throws Exception {
        return json("http://banyan/v1/services/talker");
    }

    private JsonObject json(String... args) throws Exception {
        return JsonParser.parseString(curl(args)).getAsJsonObject();
    }

    private String curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--unix-socket", socket.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        if (p.exitValue() != 0) throw new IOException(cmd + ": " + out);
        return out;
    }

    private static List<String> lines(Path p) {
        try {
            return Files.exists(p) ? Files.readAllLines(p) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }
}

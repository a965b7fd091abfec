package banyan.logs;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static banyan.logs.DiskFullTest.TALKER;
import static banyan.logs.ExternalLoggerTest.await;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A slow log disk slows only its own service. A real `banyan up`, in a private mount namespace,
 * writes one service's log file on an ext4 image mounted there (log_dir/slow.log is a symbolic
 * link into it) and the other's in log_dir. The test freezes that ext4 with fsfreeze: the slow
 * service blocks once its pipe is full, while the other one keeps writing to its file, restarts
 * and answers as usual; once thawed, every line of the slow service is in its file, in order.
 */
@Timeout(120)
class FrozenDiskTest {
    /** 500-byte lines, about 1 MB/s: its pipe fills within a second of the freeze. Its record says how many it wrote. */
    static final String FAST = """
            import os, sys, signal, time
            stop = []
            signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
            rec = os.open(os.path.join(sys.argv[1], '1'), os.O_WRONLY | os.O_CREAT, 0o644)
            pad = b'x' * 480
            i = 0
            while not stop:
                i += 1
                os.write(1, pad + b' line 1 %d\\n' % i)
                os.pwrite(rec, b'%012d' % i, 0)
                time.sleep(0.0005)
            """;
    static final Pattern FAST_LINE = Pattern.compile("^\\S+ out x{480} line 1 (\\d+)$");

    @TempDir
    Path dir;
    Path socket;

    @Test
    void aFrozenLogFileHoldsUpOnlyItsOwnService() throws Exception {
        DiskFullTest.requireRoot();
        Path logdir = Files.createDirectory(dir.resolve("log")), frozen = Files.createDirectory(dir.resolve("frozen"));
        Path slowState = Files.createDirectory(dir.resolve("slow-state")), otherState = Files.createDirectory(dir.resolve("other-state"));
        Path image = dir.resolve("frozen.img");
        run("truncate", "-s", "96M", image.toString());
        run("mkfs.ext4", "-q", "-F", image.toString());
        Files.createSymbolicLink(logdir.resolve("slow.log"), frozen.resolve("slow.log"));
        socket = dir.resolve("control.sock");
        Files.writeString(dir.resolve("talker.py"), TALKER);
        Files.writeString(dir.resolve("fast.py"), FAST);
        Files.writeString(dir.resolve("banyan.toml"), """
                log_dir = "%1$s"
                log_max_size = "1GiB"
                [service.slow]
                command = ["python3", "%5$s", "%3$s"]
                [service.other]
                command = ["python3", "%2$s", "%4$s"]
                """.formatted(logdir, dir.resolve("talker.py"), slowState, otherState, dir.resolve("fast.py")));
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount -o loop \"$0\" \"$1\" && shift && exec \"$@\"", image.toString(), frozen.toString()));
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-Dbanyan.exec=" + System.getProperty("banyan.exec"), "-cp", System.getProperty("java.class.path"), "banyan.cli.Main",
                "up", "-f", dir.resolve("banyan.toml").toString(), "--control", socket.toString()));
        Path console = dir.resolve("up.out");
        Process up = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(console.toFile()).start();
        Path inside = Path.of("/proc/" + up.pid() + "/root").resolve(frozen.toString().substring(1));
        Path slowFile = inside.resolve("slow.log"), otherFile = logdir.resolve("other.log");
        boolean thawed = true;
        try {
            await("the first lines of both services", () -> lines(slowFile).size() >= 20 && lines(otherFile).size() >= 20);
            run("fsfreeze", "-f", inside.toString());
            thawed = false;
            long froze = System.nanoTime();
            await("the slow service blocked in write(2) once its pipe is full", () -> stalled(slowState));
            long stuckAt = DiskFullTest.record(slowState, 1);
            int otherBefore = lines(otherFile).size();
            await("the other service's lines in its file while the disk is frozen", () -> lines(otherFile).size() >= otherBefore + 20);

            JsonObject slow = json("--max-time", "5", "http://banyan/v1/services/slow");
            assertEquals("up", slow.get("state").getAsString(), "status of the frozen service answers: " + slow);
            long began = System.nanoTime();
            JsonObject restarted = json("--max-time", "20", "-X", "POST", "http://banyan/v1/services/other/restart?wait=10s");
            long tookMs = (System.nanoTime() - began) / 1_000_000;
            assertEquals("up", restarted.get("state").getAsString(), restarted.toString());
            await("the restarted service's lines in its file", () -> lines(otherFile).stream().anyMatch(l -> l.contains(" out line 2 ")));
            assertEquals(stuckAt, DiskFullTest.record(slowState, 1), "the slow service was held up all along");
            assertTrue(lines(slowFile).size() <= stuckAt, "nothing more reached the frozen file");
            System.out.println("frozen disk: slow service stalled at line " + stuckAt + " within "
                    + (began - froze) / 1_000_000 + " ms; restart of the other took " + tookMs + " ms");

            run("fsfreeze", "-u", inside.toString());
            thawed = true;
            await("the slow service writing again", () -> count(slowState) > stuckAt + 100);
            json("--max-time", "20", "-X", "POST", "http://banyan/v1/services/slow/stop?wait=10s");
            long last = DiskFullTest.record(slowState, 1);
            await("the slow service's last line in its file", () -> lines(slowFile).stream().anyMatch(l -> l.endsWith(" line 1 " + last)));
            long expect = 1;
            for (String l : lines(slowFile)) {
                Matcher m = FAST_LINE.matcher(l);
                assertTrue(m.matches(), l);
                assertEquals(expect++, Long.parseLong(m.group(1)), "every line of the slow service once, in order");
            }
            assertEquals(last + 1, expect);
            up.destroy();
            assertTrue(up.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, up.exitValue(), DiskFullTest.read(console));
        } finally {
            if (!thawed) new ProcessBuilder("fsfreeze", "-u", inside.toString()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
            up.destroyForcibly();
            up.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * The whole log_dir frozen, banyan's own file too: a service that writes blocks, while a quiet
     * one restarts, a reload (whose words go to banyan's own file) is answered, and status answers.
     */
    @Test
    void aFrozenLogDirHoldsUpNoDecision() throws Exception {
        DiskFullTest.requireRoot();
        Path frozen = Files.createDirectory(dir.resolve("frozen")), slowState = Files.createDirectory(dir.resolve("slow-state"));
        Path image = dir.resolve("frozen.img");
        run("truncate", "-s", "96M", image.toString());
        run("mkfs.ext4", "-q", "-F", image.toString());
        socket = dir.resolve("control.sock");
        Files.writeString(dir.resolve("fast.py"), FAST);
        Path config = dir.resolve("banyan.toml");
        Files.writeString(config, """
                log_dir = "%1$s"
                log_max_size = "1GiB"
                [service.slow]
                command = ["python3", "%2$s", "%3$s"]
                [service.quiet]
                command = ["sleep", "600"]
                """.formatted(frozen, dir.resolve("fast.py"), slowState));
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount -o loop \"$0\" \"$1\" && shift && exec \"$@\"", image.toString(), frozen.toString()));
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-Dbanyan.exec=" + System.getProperty("banyan.exec"), "-cp", System.getProperty("java.class.path"), "banyan.cli.Main",
                "up", "-f", config.toString(), "--control", socket.toString()));
        Path console = dir.resolve("up.out");
        Process up = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(console.toFile()).start();
        Path inside = Path.of("/proc/" + up.pid() + "/root").resolve(frozen.toString().substring(1));
        boolean thawed = true;
        try {
            await("the slow service's first lines", () -> lines(inside.resolve("slow.log")).size() >= 20);
            run("fsfreeze", "-f", inside.toString());
            thawed = false;
            await("the slow service blocked in write(2)", () -> stalled(slowState));
            JsonObject quiet = json("--max-time", "5", "http://banyan/v1/services/quiet");
            JsonObject restarted = json("--max-time", "20", "-X", "POST", "http://banyan/v1/services/quiet/restart?wait=10s");
            assertEquals("up", restarted.get("state").getAsString(), restarted.toString());
            assertNotEquals(quiet.get("pid").getAsInt(), restarted.get("pid").getAsInt());
            JsonObject reload = json("--max-time", "20", "-X", "POST", "http://banyan/v1/reload");
            assertTrue(reload.get("summary").getAsString().startsWith("reloaded "), reload.toString());
            assertEquals("up", json("--max-time", "5", "http://banyan/v1/services/slow").get("state").getAsString());
            run("fsfreeze", "-u", inside.toString());
            thawed = true;
            up.destroy();
            assertTrue(up.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, up.exitValue(), DiskFullTest.read(console));
        } finally {
            if (!thawed) new ProcessBuilder("fsfreeze", "-u", inside.toString()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
            up.destroyForcibly();
            up.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The service's count of lines written has not moved for half a second. */
    private static boolean stalled(Path state) {
        try {
            long a = DiskFullTest.record(state, 1);
            Thread.sleep(500);
            return a > 0 && DiskFullTest.record(state, 1) == a;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static long count(Path state) {
        try {
            return DiskFullTest.record(state, 1);
        } catch (IOException e) {
            return 0;
        }
    }

    private static void run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", argv) + ": " + out);
    }

    private JsonObject json(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--unix-socket", socket.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        if (p.exitValue() != 0) throw new IOException(cmd + ": " + out);
        return JsonParser.parseString(out).getAsJsonObject();
    }

    private static List<String> lines(Path p) {
        try {
            return Files.exists(p) ? Files.readAllLines(p) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }
}

package banyan.logs;

import banyan.supervise.ServiceState;
import banyan.config.ConfigLoader;
import banyan.config.StackConfig;
import banyan.manage.Stack;
import banyan.os.Signals;
import banyan.supervise.Host;
import banyan.supervise.LogPump;
import banyan.supervise.ServiceStatus;
import banyan.supervise.Supervisor;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A service writes numbered lines to stdout and stderr as fast as it can and is SIGKILLed 20
 * times. Every line it wrote (its own record, updated after each write, says how far it got)
 * is in the log file, in order per stream and instance, none twice.
 */
class NoLossTest {
    static final String WRITER = """
            import os, sys
            state = sys.argv[1]
            inst = len(os.listdir(state)) + 1
            rec = os.open(os.path.join(state, str(inst)), os.O_WRONLY | os.O_CREAT, 0o644)
            i = 0
            while True:
                i += 1
                os.write(1, b'o %d %d\\n' % (inst, i))
                os.write(2, b'e %d %d\\n' % (inst, i))
                os.pwrite(rec, b'%012d' % i, 0)
            """;

    @Test
    void everyLineSurvivesTwentyKills() throws Exception {
        Path dir = Files.createTempDirectory("banyan-noloss");
        Path state = Files.createDirectory(dir.resolve("state"));
        Files.writeString(dir.resolve("writer.py"), WRITER);
        Path toml = dir.resolve("banyan.toml");
        Files.writeString(toml, """
                log_dir = "%s"
                log_max_size = "1GiB"
                [service.writer]
                command = ["python3", "%s", "%s"]
                min_uptime = "1ms"
                backoff = "1ms"
                max_restarts = 1000
                """.formatted(dir.resolve("log"), dir.resolve("writer.py"), state));
        StackConfig config = ConfigLoader.load(toml);
        Logs logs = new Logs(config.log(), System.getenv(), m -> {});
        LogPump pump = new LogPump();
        pump.afterBatch(logs::flush);
        Stack stack = new Stack(config, new Host(System.getenv(), Optional.empty(), Optional.empty(), pump, logs, (a, b) -> {}));
        stack.up();
        Supervisor w = stack.get("writer").orElseThrow();
        Ring ring = logs.ring("writer");
        for (int kill = 0; kill < 20; kill++) {
            ServiceStatus now = awaitUp(w, kill);
            awaitLine(ring, "o " + (kill + 1) + " "); // this instance has started and written some
            Signals.kill(now.pid(), Signals.KILL);
        }
        awaitUp(w, 20);
        awaitLine(ring, "o 21 ");
        stack.down();
        assertTrue(pump.awaitDrained(Duration.ofSeconds(10)));
        logs.close();

        Map<String, Long> last = new HashMap<>(); // "o 3" -> last number seen
        List<String> lines = Files.readAllLines(logs.file("writer"));
        for (String line : lines) {
            String[] f = line.split(" ");
            assertEquals(5, f.length, line);
            assertEquals(f[1].equals("out") ? "o" : "e", f[2], "stream recorded: " + line);
            String key = f[2] + " " + f[3];
            long n = Long.parseLong(f[4]);
            long expected = last.getOrDefault(key, 0L) + 1;
            assertEquals(expected, n, "next line of " + key + " (a gap is a lost line, a repeat a duplicate)");
            last.put(key, n);
        }
        assertTrue(Files.list(state).count() >= 21, "21 instances ran");
        for (Path rec : Files.list(state).toList()) {
            String inst = rec.getFileName().toString();
            long written = Long.parseLong(Files.readString(rec).trim());
            assertTrue(last.getOrDefault("o " + inst, 0L) >= written, "instance " + inst + " wrote " + written + " lines to stdout");
            assertTrue(last.getOrDefault("e " + inst, 0L) >= written, "instance " + inst + " wrote " + written + " lines to stderr");
        }
        assertEquals(0, logs.lost("writer"));
    }

    /** Waits for line 100 or later of an instance ("o INST N"), as the ring passes by. */
    private static void awaitLine(Ring ring, String text) throws InterruptedException {
        long next = 1;
        long end = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < end) {
            Ring.Batch b = ring.from(next, 1, java.util.concurrent.TimeUnit.SECONDS);
            for (Ring.Line l : b.lines()) if (l.text().startsWith(text) && Long.parseLong(l.text().substring(text.length())) >= 100) return;
            next = b.next();
        }
        fail("no line '" + text + "' within 10 s");
    }

    private static ServiceStatus awaitUp(Supervisor w, int restarts) throws InterruptedException {
        assertTrue(w.await(s -> s.state() == ServiceState.UP && s.restarts() >= restarts, Duration.ofSeconds(10)), "restarted " + restarts + " times");
        return w.status();
    }
}

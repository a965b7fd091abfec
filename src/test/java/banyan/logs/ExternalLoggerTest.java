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
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.*;

/** logger = [...]: the service's output goes through a pipe banyan holds to a supervised logger process. */
@Timeout(120)
class ExternalLoggerTest {
    /** Numbered lines, stdout and stderr in turn; its own record (updated after each write) says how far it got. */
    static final String WRITER = """
            import os, sys, time
            rec = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)
            i = 0
            while True:
                i += 1
                os.write(1 if i % 2 else 2, b'%d\\n' % i)
                os.pwrite(rec, b'%012d' % i, 0)
                time.sleep(0.0005)
            """;

    /**
     * Appends stdin to a file with splice(2): bytes leave the pipe only as they reach the file,
     * so a SIGKILL loses nothing the logger holds (cat or awk would lose what they had read and
     * not yet written: their loss, which no supervisor can prevent). Any gap is banyan's.
     */
    static final String SPLICER = """
            import os, sys
            fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)
            os.lseek(fd, 0, os.SEEK_END)
            os.write(2, b'logger %d up\\n' % os.getpid())
            while os.splice(0, fd, 1 << 16) > 0:
                pass
            """;

    @TempDir
    Path dir;

    record Running(Stack stack, LogPump pump, Logs logs, List<String> output) {}

    Running start(String toml) throws Exception {
        Path file = dir.resolve("banyan.toml");
        Files.writeString(file, "log_dir = \"" + dir.resolve("log") + "\"\n" + toml);
        StackConfig config = ConfigLoader.load(file);
        Logs logs = new Logs(config.log(), System.getenv(), m -> {});
        LogPump pump = new LogPump();
        pump.afterBatch(logs::flush);
        List<String> output = new CopyOnWriteArrayList<>();
        Host.Output out = (service, stream, text, split) -> {
            output.add(service + " " + stream + " " + text);
            logs.line(service, stream, text, split);
        };
        Stack stack = new Stack(config, new Host(System.getenv(), Optional.empty(), Optional.empty(), pump, out, (a, b) -> {}));
        stack.up();
        return new Running(stack, pump, logs, output);
    }

    @Test
    void everyLineReachesTheLoggerInOrderThroughFiveSigkillsOfTheLogger() throws Exception {
        Path record = dir.resolve("record"), file = dir.resolve("out.log");
        Files.writeString(dir.resolve("writer.py"), WRITER);
        Files.writeString(dir.resolve("splicer.py"), SPLICER);
        Running r = start("""
                [service.writer]
                command = ["python3", "%s", "%s"]
                logger = ["python3", "%s", "%s"]
                backoff = "20ms"
                backoff_max = "100ms"
                """.formatted(dir.resolve("writer.py"), record, dir.resolve("splicer.py"), file));
        Supervisor w = r.stack().get("writer").orElseThrow();
        for (int kill = 0; kill <= 5; kill++) {
            int k = kill;
            ServiceStatus logger = await("logger instance " + (kill + 1) + " up", () -> w.logger()
                    .filter(s -> s.state() == ServiceState.UP && s.restarts() >= k).isPresent()) ? w.logger().orElseThrow() : null;
            long before = size(file);
            await("instance " + (kill + 1) + " of the logger writing", () -> size(file) > before + 200);
            if (kill < 5) Signals.kill(logger.pid(), Signals.KILL);
        }
        assertEquals(5, w.logger().orElseThrow().restarts());
        r.stack().down();
        assertTrue(r.pump().awaitDrained(Duration.ofSeconds(10)));
        r.logs().close();

        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++)
            assertEquals(String.valueOf(i + 1), lines.get(i), "line " + (i + 1) + " (a gap is a lost line, a repeat a duplicate)");
        long written = Long.parseLong(Files.readString(record).trim());
        assertTrue(lines.size() >= written, "the writer wrote " + written + " lines, the logger got " + lines.size());
        assertEquals(0, w.status().restarts(), "the writer never died (no SIGPIPE while the logger was down)");
        assertTrue(w.logger().isEmpty(), "the logger ended with the service");
        long ups = r.output().stream().filter(l -> l.startsWith("writer/log err logger ") && l.endsWith(" up")).count();
        assertEquals(6, ups, "the logger's own stderr reaches banyan as writer/log: " + r.output());
        assertTrue(r.output().stream().noneMatch(l -> l.startsWith("writer ")), "the service's lines go to the logger, not to banyan");
        assertTrue(Files.readString(r.logs().dir().resolve(Logs.OWN_LOG)).contains(" writer/log err logger "), "banyan's own log has the logger's lines");
        assertFalse(Files.exists(r.logs().file("writer")), "no banyan log file for a service with a logger");
    }

    /**
     * The real s6-log, started late: everything the service wrote waits in the pipe. Stopping the
     * service right then ends the logger by end of file, after it has written every line.
     */
    @Test
    void stoppingTheServiceEndsS6LogAfterItWroteTheLastLine() throws Exception {
        Path done = dir.resolve("done"), gate = dir.resolve("gate"), logdir = dir.resolve("s6");
        Files.writeString(dir.resolve("burst.py"), """
                import os, sys, signal
                data = b''.join(b'line %05d\\n' % i for i in range(1, 5001))  # 55 KB: fits in the pipe
                view = memoryview(data)
                while view:
                    view = view[os.write(1, view):]
                open(sys.argv[1], 'w').close()
                signal.pause()
                """);
        Running r = start("""
                [service.burst]
                command = ["python3", "%s", "%s"]
                logger = "while [ ! -e %s ]; do sleep 0.01; done; exec s6-log s10000000 %s"
                """.formatted(dir.resolve("burst.py"), done, gate, logdir));
        Supervisor b = r.stack().get("burst").orElseThrow();
        await("the burst written", () -> Files.exists(done));
        int loggerPid = b.logger().orElseThrow().pid();
        Files.writeString(gate, "");
        r.stack().stop("burst");
        assertTrue(b.await(s -> s.state() == ServiceState.DOWN, Duration.ofSeconds(30)), b.status().toString());
        assertTrue(b.logger().isEmpty());
        assertFalse(ProcessHandle.of(loggerPid).map(ProcessHandle::isAlive).orElse(false), "s6-log ended with the service");
        List<String> lines = Files.readAllLines(logdir.resolve("current"));
        assertEquals(5000, lines.size(), "every line of the burst");
        for (int i = 0; i < lines.size(); i++) assertEquals("line %05d".formatted(i + 1), lines.get(i));
        r.stack().down();
        assertTrue(r.pump().awaitDrained(Duration.ofSeconds(10)));
        r.logs().close();
    }

    private static long size(Path p) {
        try {
            return Files.exists(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** Waits up to 20 s for condition, re-checking with a pause that grows to 10 ms. */
    static boolean await(String what, BooleanSupplier condition) {
        long end = System.nanoTime() + 20_000_000_000L, pause = 100_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) fail("timed out waiting for " + what);
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 10_000_000);
        }
        return true;
    }
}

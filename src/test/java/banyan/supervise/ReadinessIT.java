package banyan.supervise;

import banyan.TestHost;
import banyan.config.ServiceConfig;
import banyan.os.Signals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Readiness with real clients: redis-server's own sd_notify, an s6 fd, a late HTTP server, a silent watchdog. */
class ReadinessIT {
    @TempDir
    Path dir;
    final TestHost t = new TestHost();
    final List<Supervisor> started = new ArrayList<>();

    Supervisor supervise(String toml) throws Exception {
        ServiceConfig c = TestHost.config(dir, toml).services().firstEntry().getValue();
        Supervisor s = new Supervisor(c, t.host).open();
        started.add(s);
        s.start();
        return s;
    }

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Supervisor s : started) {
            s.stop();
            assertTrue(s.await(st -> st.state() == ServiceState.DOWN || st.state() == ServiceState.FAILED, Duration.ofSeconds(15)), s.name() + " stops");
            s.close();
        }
    }

    static boolean up(ServiceStatus s) {
        return s.state() == ServiceState.UP;
    }

    /** When this service entered state for the first time. */
    java.time.Instant entered(String service, String state) throws InterruptedException {
        return t.awaitChange(c -> c.name().equals(service) && c.state().wire().equals(state), Duration.ofSeconds(5)).since();
    }

    @Test
    void redisTellsWhenItIsReadyThroughSdNotify() throws Exception {
        int port = 16000 + (int) (ProcessHandle.current().pid() % 1000);
        Supervisor s = supervise("""
                [service.redis-notify]
                command = ["redis-server", "--port", "%d", "--bind", "127.0.0.1", "--supervised", "systemd", "--save", "", "--appendonly", "no"]
                ready = { notify = true }
                start_timeout = "10s"
                """.formatted(port));
        assertTrue(s.await(ReadinessIT::up, Duration.ofSeconds(10)), "redis sent READY=1: " + s.status());
        assertTrue(s.status().ready());
        assertFalse(s.status().statusText().isEmpty(), "redis sends STATUS= too");
        try (Socket c = new Socket("127.0.0.1", port)) { // ready means it answers now, not a moment later
            c.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] buf = new byte[7];
            assertEquals("+PONG\r\n", new String(buf, 0, c.getInputStream().readNBytes(buf, 0, 7), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void notifyFromAStrangerIsIgnored() throws Exception {
        // The service publishes its NOTIFY_SOCKET; a process outside it sends READY=1 there: still starting.
        Supervisor s = supervise("""
                [service.stranger]
                command = "echo \\"$NOTIFY_SOCKET\\" > %s/addr; exec sleep 100"
                ready = { notify = true }
                """.formatted(dir));
        Path addr = dir.resolve("addr");
        assertTrue(s.await(st -> Files.exists(addr) && st.pid() > 0, Duration.ofSeconds(5)));
        String socket = Files.readString(addr).trim();
        var p = new ProcessBuilder("python3", "-c", """
                import socket,sys
                s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)
                s.sendto(b'READY=1', '\\0'+sys.argv[1][1:])
                """, socket).inheritIO().start();
        assertEquals(0, p.waitFor());
        assertFalse(s.await(ReadinessIT::up, Duration.ofMillis(500)), "READY=1 from another process counts for nothing");
        assertEquals(ServiceState.STARTING, s.status().state());
    }

    @Test
    void s6FdNewlineMakesItReady() throws Exception {
        Supervisor s = supervise("""
                [service.fd3]
                command = "sleep 0.4; echo >&3; exec sleep 100"
                ready = { fd = 3 }
                """);
        assertTrue(s.await(ReadinessIT::up, Duration.ofSeconds(5)), s.status().toString());
        long ms = Duration.between(entered("fd3", "starting"), entered("fd3", "up")).toMillis();
        assertTrue(ms >= 400, "up only after the newline, " + ms + "ms after start");
    }

    @Test
    void httpProbeWaitsForALateServer() throws Exception {
        int port = 17000 + (int) (ProcessHandle.current().pid() % 1000);
        Supervisor s = supervise("""
                [service.late-http]
                command = ["python3", "-c", "import time, http.server as h; time.sleep(0.8); h.test(HandlerClass=h.SimpleHTTPRequestHandler, port=%d, bind='127.0.0.1')"]
                working_dir = "%s"
                ready = { http = "http://127.0.0.1:%d/", interval = "50ms", timeout = "500ms" }
                """.formatted(port, dir, port));
        assertTrue(s.await(ReadinessIT::up, Duration.ofSeconds(10)), s.status().toString());
        long ms = Duration.between(entered("late-http", "starting"), entered("late-http", "up")).toMillis();
        assertTrue(ms >= 800, "not ready before it answers: " + ms + "ms");
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/").toURL().openConnection();
        assertEquals(200, c.getResponseCode());
    }

    @Test
    void logAndExecProbes() throws Exception {
        Supervisor log = supervise("""
                [service.by-log]
                command = "echo warming; sleep 0.2; echo 'listening on :99'; exec sleep 100"
                ready = { log = "listening on :\\\\d+" }
                """);
        Supervisor exec = supervise("""
                [service.by-exec]
                command = "sleep 0.3; touch %s/flag; exec sleep 100"
                ready = { exec = "test -f %s/flag", interval = "50ms" }
                """.formatted(dir, dir));
        assertTrue(log.await(ReadinessIT::up, Duration.ofSeconds(5)), log.status().toString());
        assertTrue(exec.await(ReadinessIT::up, Duration.ofSeconds(5)), exec.status().toString());
        assertTrue(Files.exists(dir.resolve("flag")));
    }

    @Test
    void notReadyInTimeIsAFailedStart() throws Exception {
        Supervisor s = supervise("""
                [service.never-ready]
                command = "exec sleep 100"
                ready = { fd = 3 }
                start_timeout = "300ms"
                restart = "never"
                """);
        assertTrue(s.await(st -> st.state() == ServiceState.FAILED, Duration.ofSeconds(5)), s.status().toString());
        assertTrue(s.status().reason().contains("start_timeout"), s.status().reason());
    }

    @Test
    void silentWatchdogRestartsTheService() throws Exception {
        // Pings WATCHDOG=1 every 50ms for 1s, then stops pinging but keeps running.
        Supervisor s = supervise("""
                [service.dog]
                command = ["python3", "-u", "-c", '''
                import os, socket, time
                print("usec", os.environ["WATCHDOG_USEC"], flush=True)
                s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                a = os.environ["NOTIFY_SOCKET"]
                a = "\\0" + a[1:] if a.startswith("@") else a
                s.sendto(b"READY=1\\nSTATUS=pinging", a)
                end = time.time() + 1
                while time.time() < end:
                    s.sendto(b"WATCHDOG=1", a)
                    time.sleep(0.05)
                time.sleep(100)
                ''']
                ready = { notify = true }
                watchdog = "300ms"
                """);
        assertTrue(s.await(st -> st.restarts() >= 1, Duration.ofSeconds(10)), s.status().toString());
        long ms = Duration.between(entered("dog", "up"), entered("dog", "stopping")).toMillis();
        assertTrue(ms >= 1000, "not restarted while it pinged: " + ms + "ms");
        assertTrue(t.changes.stream().anyMatch(c -> c.reason().startsWith("watchdog")), "reason names the watchdog");
        assertTrue(t.lines.contains("dog: usec 300000"), "WATCHDOG_USEC passed: " + t.lines);
    }

    @Test
    void failingLivenessRestarts() throws Exception {
        Files.writeString(dir.resolve("alive"), "");
        Supervisor s = supervise("""
                [service.live]
                command = "exec sleep 100"
                liveness = { exec = ["test", "-f", "%s/alive"], interval = "50ms", failures = 3 }
                """.formatted(dir));
        assertTrue(s.await(ReadinessIT::up, Duration.ofSeconds(5)));
        int pid = s.status().pid();
        assertFalse(s.await(st -> st.restarts() > 0, Duration.ofMillis(400)), "healthy: left alone");
        Files.delete(dir.resolve("alive"));
        assertTrue(s.await(st -> st.restarts() == 1 && up(st), Duration.ofSeconds(5)), s.status().toString());
        assertNotEquals(pid, s.status().pid());
        assertTrue(t.changes.stream().anyMatch(c -> c.reason().startsWith("liveness failed 3 times")));
    }

    @Test
    void oneshotIsDoneAndRunsItsStopCommand() throws Exception {
        Supervisor s = supervise("""
                [service.migrate]
                type = "oneshot"
                command = "echo run >> %s/log"
                stop_command = "echo undo >> %s/log"
                """.formatted(dir, dir));
        assertTrue(s.await(st -> st.state() == ServiceState.DONE, Duration.ofSeconds(5)), s.status().toString());
        assertTrue(s.status().ready());
        s.stop();
        assertTrue(s.await(st -> st.state() == ServiceState.DOWN, Duration.ofSeconds(5)), s.status().toString());
        assertEquals(List.of("run", "undo"), Files.readAllLines(dir.resolve("log")));
    }
}

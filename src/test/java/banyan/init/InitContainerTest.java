package banyan.init;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Container mode: SIGTERM latency, critical services, on_failure, stage 1 mounts, a non-root PID 1, bad input. */
@Timeout(120)
class InitContainerTest {
    private static final Duration BOOT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /**
     * An idle stack of 20 services stops on SIGTERM in well under a second (bench/init measures
     * the exact figure; this bound is loose so a busy CI machine cannot make it flake).
     */
    @Test
    void sigtermStopsTwentyIdleServicesQuickly() throws Exception {
        StringBuilder toml = new StringBuilder();
        for (int i = 1; i <= 20; i++) toml.append("[service.s").append(i).append("]\ncommand = [\"sleep\", \"1000\"]\n");
        Pid1.write(dir.resolve("banyan.toml"), toml.toString());
        try (Pid1 b = Pid1.start(dir)) {
            b.awaitLog("target default is up", BOOT);
            long t0 = System.nanoTime();
            b.signal("TERM");
            assertEquals(0, b.awaitExit(BOOT), b.output());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("SIGTERM to exit, 20 idle services: " + ms + " ms");
            assertTrue(ms < 1500, "took " + ms + " ms:\n" + b.output());
            assertTrue(b.output().contains("stage 4: no process left"), b.output());
        }
    }

    @Test
    void usr1GoesToMainAndHupDoesNotStopTheContainer() throws Exception {
        Path ready = dir.resolve("ready");
        Pid1.write(dir.resolve("banyan.toml"), "[service.a]\ncommand = [\"sleep\", \"1000\"]\n");
        try (Pid1 b = Pid1.start(dir, "--", "sh", "-c", "trap 'exit 5' USR1; touch " + ready + "; while :; do sleep 0.05; done")) {
            Pid1.await("MAIN's trap", BOOT, () -> Files.exists(ready));
            b.signal("HUP");
            b.awaitLog("reloaded " + dir.resolve("banyan.toml") + ": added [], removed [], restarted [], unchanged 1", BOOT);
            b.signal("USR1");
            assertEquals(5, b.awaitExit(BOOT), b.output());
        }
    }

    @Test
    void sigpwrStopsAContainer() throws Exception {
        Pid1.write(dir.resolve("banyan.toml"), "[service.a]\ncommand = [\"sleep\", \"1000\"]\n");
        try (Pid1 b = Pid1.start(dir)) {
            b.awaitLog("target default is up", BOOT);
            b.signal("PWR");
            assertEquals(0, b.awaitExit(BOOT), b.output());
            assertTrue(b.output().contains("stage 3: SIGPWR received"), b.output());
        }
    }

    @Test
    void aCriticalServiceThatFailsForGoodStopsTheContainerWithCode1() throws Exception {
        Pid1.write(dir.resolve("banyan.toml"), """
                [service.idle]
                command = ["sleep", "1000"]
                [service.vital]
                command = "exit 3"
                critical = true
                restart = "on-failure"
                max_restarts = 1
                backoff = "10ms"
                """);
        try (Pid1 b = Pid1.start(dir, "--", "sleep", "1000")) {
            assertEquals(1, b.awaitExit(BOOT), b.output());
            assertTrue(b.output().contains("critical service vital failed"), b.output());
        }
    }

    @Test
    void onFailurePolicyStopsAContainerWhoseBootFailed() throws Exception {
        Pid1.write(dir.resolve("banyan.toml"), """
                [boot]
                on_failure = "poweroff"
                [service.broken]
                command = ["/nonexistent/program"]
                max_restarts = 0
                """);
        try (Pid1 b = Pid1.start(dir, "--", "sleep", "1000")) {
            assertEquals(1, b.awaitExit(BOOT), b.output());
            assertTrue(b.output().contains("boot failed ([boot].on_failure = poweroff)"), b.output());
        }
    }

    @Test
    void withoutOnFailureTheRestKeepsRunning() throws Exception {
        Pid1.write(dir.resolve("banyan.toml"), """
                [service.broken]
                command = ["/nonexistent/program"]
                max_restarts = 0
                [service.fine]
                command = ["sleep", "1000"]
                """);
        try (Pid1 b = Pid1.start(dir, "--", "sleep", "1000")) {
            b.awaitLog("stage 2: broken failed to come up", BOOT);
            b.signal("TERM");
            assertEquals(128 + 15, b.awaitExit(BOOT), "MAIN's code: killed by the SIGTERM of stage 3\n" + b.output());
            assertTrue(b.output().contains("the rest keeps running"), b.output());
        }
    }

    /** The runtime gave no /dev/pts and no /run: stage 1 mounts them (in the test's own mount namespace). */
    @Test
    void stage1MountsWhatIsMissing() throws Exception {
        Path mounts = dir.resolve("mounts");
        Pid1.write(dir.resolve("banyan.toml"), "[service.look]\ncommand = \"cat /proc/self/mountinfo > " + mounts + "; exec sleep 1000\"\n");
        List<String> prefix = List.of("sh", "-c", "while umount -l /dev/pts 2>/dev/null; do :; done; while umount -l /run 2>/dev/null; do :; done; exec \"$@\"", "sh");
        try (Pid1 b = Pid1.start(dir, prefix, Pid1.classpath())) {
            b.awaitLog("target default is up", BOOT);
            Pid1.await("the service's view of the mounts", BOOT, () -> Pid1.lines(mounts).size() > 3);
            String table = String.join("\n", Pid1.lines(mounts));
            assertTrue(table.matches("(?s).* /dev/pts [^\n]* - devpts .*"), table);
            assertTrue(table.matches("(?s).* /run [^\n]* - tmpfs .*"), table);
            assertTrue(b.output().contains("stage 1: mounted devpts on /dev/pts"), b.output());
            assertTrue(!table.contains(" - devtmpfs devtmpfs ") || !b.output().contains("mounted devtmpfs"), "no devtmpfs in a container");
            b.signal("TERM");
            assertEquals(0, b.awaitExit(BOOT), b.output());
        }
    }

    /** An arbitrary UID as PID 1: no mounts, no cgroups, and still MAIN's exit code. */
    @Test
    void worksAsANonRootPid1() throws Exception {
        Path cp = Files.createDirectories(dir.resolve("cp"));
        List<String> entries = new ArrayList<>();
        for (String e : Pid1.classpath().split(File.pathSeparator)) {
            Path p = Path.of(e);
            if (Files.isRegularFile(p)) {
                Path copy = cp.resolve(p.getFileName());
                Files.copy(p, copy, StandardCopyOption.REPLACE_EXISTING);
                entries.add(copy.toString());
            } else entries.add(e); // target/classes: readable by all
        }
        Path work = Files.createDirectories(dir.resolve("w"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
        Pid1.write(dir.resolve("banyan.toml"), "[service.me]\ncommand = \"id -u > " + work.resolve("uid") + "; exec sleep 1000\"\n");
        List<String> prefix = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
        try (Pid1 b = Pid1.start(dir, prefix, String.join(File.pathSeparator, entries), "--", "sh", "-c",
                "while [ ! -s " + work.resolve("uid") + " ]; do sleep 0.01; done; exit 9")) {
            assertEquals(9, b.awaitExit(BOOT), b.output());
            assertEquals(List.of("65534"), Pid1.lines(work.resolve("uid")));
            assertTrue(b.output().contains("banyan init as pid 1 in container mode"), b.output());
        }
    }

    /** Not PID 1 (no namespace): --container runs the same stages as a subreaper, without mounts. */
    @Test
    void containerModeByFlagOutsideANamespace() throws Exception {
        Pid1.write(dir.resolve("banyan.toml"), "[service.a]\ncommand = [\"sleep\", \"1000\"]\n");
        Process p = start(dir, "--container", "--", "sh", "-c", "(sleep 0.1 &) ; exit 4");
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String out = Files.readString(dir.resolve("out"));
        assertEquals(4, p.exitValue(), out);
        assertTrue(!out.contains("stage 1"), out);
        assertTrue(out.contains("no process left"), out);
    }

    @Test
    void machineModeOutsidePid1IsRefused() throws Exception {
        Pid1.write(dir.resolve("banyan.toml"), "[service.a]\ncommand = [\"sleep\", \"1000\"]\n");
        Process p = start(dir, "--machine");
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue());
        assertTrue(Files.readString(dir.resolve("out")).contains("init --machine must be PID 1"));
    }

    @Test
    void aBrokenConfigStopsAContainerWithCode2() throws Exception {
        Pid1.write(dir.resolve("banyan.toml"), "[service.a]\ncommand = [\"sleep\"]\ncritical = \"yes\"\n");
        try (Pid1 b = Pid1.start(dir, "--", "true")) {
            assertEquals(2, b.awaitExit(BOOT), b.output());
            assertTrue(b.output().contains("service.a.critical: must be true or false"), b.output());
        }
    }

    private static Process start(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(Pid1.java(Pid1.classpath()));
        cmd.addAll(List.of("init", "-f", dir.resolve("banyan.toml").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("out").toFile());
        pb.environment().put("BANYAN_CONTROL", dir.resolve("control.sock").toString());
        return pb.start();
    }
}

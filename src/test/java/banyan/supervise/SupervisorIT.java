package banyan.supervise;

import banyan.os.Reaper;
import banyan.os.Signals;
import banyan.os.Spawn;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Supervision of real processes: crash loops, kills, stops, grandchildren, orphans. */
class SupervisorIT {
    static final Duration LIMIT = Duration.ofSeconds(20);

    @Test
    void crashLoopBacksOffWithGrowingDelaysThenFails() throws Exception {
        try (Harness h = new Harness("""
                [service.crash]
                command = "exit 3"
                backoff = "40ms"
                max_restarts = 5
                restart_window = "1m"
                """)) {
            h.start("crash");
            h.await("crash", s -> s.state() == ServiceState.FAILED, LIMIT);
            List<Long> spawns = h.changesOf("crash").stream().filter(c -> c.to().equals("up")).map(Harness.Change::nanos).toList();
            assertEquals(6, spawns.size(), "first start plus 5 restarts, then failed: " + h.changesOf("crash"));
            List<Long> gaps = new ArrayList<>();
            for (int i = 1; i < spawns.size(); i++) gaps.add(spawns.get(i) - spawns.get(i - 1));
            // each gap is the jittered delay (backoff doubled each time, -20% at worst) plus the shell's run:
            // a load on the machine can only lengthen it, so the lower bounds prove the growth
            for (int i = 0; i < gaps.size(); i++)
                assertTrue(gaps.get(i) >= 0.8 * 40_000_000L * (1L << i), "gap " + i + " shorter than its backoff: " + gaps);
            ServiceStatus s = h.svc("crash").status();
            assertTrue(s.reason().contains("max_restarts = 5"), s.reason());
            assertEquals(3, s.lastExit().orElseThrow().code());
            h.start("crash"); // a start request takes it out of failed
            h.await("crash", st -> st.state() == ServiceState.BACKOFF || st.restarts() == 0 && st.state() == ServiceState.UP, LIMIT);
        }
    }

    @Test
    void aServiceKilledAfterALongUptimeIsBackAtOnce() throws Exception {
        try (Harness h = new Harness("""
                [service.sleeper]
                command = ["sleep", "1000"]
                min_uptime = "300ms"
                """)) {
            h.start("sleeper");
            h.await("sleeper", s -> s.state() == ServiceState.UP, LIMIT);
            int first = h.svc("sleeper").status().pid();
            Thread.sleep(400); // the service must have been up longer than min_uptime: this is the condition under test
            long killedAt = System.nanoTime();
            Signals.kill(first, Signals.KILL);
            h.await("sleeper", s -> s.state() == ServiceState.UP && s.pid() != first, LIMIT);
            long back = System.nanoTime() - killedAt;
            assertTrue(back < 1_000_000_000L, "back in " + back / 1e6 + " ms");
            assertTrue(h.changesOf("sleeper").stream().noneMatch(c -> c.to().equals("backoff")), "no backoff for a long-lived service");
            assertEquals(1, h.svc("sleeper").status().restarts());
            assertEquals(Signals.KILL, h.svc("sleeper").status().lastExit().orElseThrow().signal());
        }
    }

    @Test
    void aServiceThatIgnoresTermIsKilledAtStopTimeout() throws Exception {
        try (Harness h = new Harness("""
                [service.stubborn]
                command = "trap 'echo got TERM' TERM; echo ready; while :; do sleep 0.05; done"
                stop_timeout = "600ms"
                """)) {
            h.start("stubborn");
            h.awaitLine("ready", LIMIT);
            long t0 = System.nanoTime();
            h.stop("stubborn");
            h.await("stubborn", s -> s.state() == ServiceState.DOWN, LIMIT);
            long took = System.nanoTime() - t0;
            assertTrue(took >= 600_000_000L, "must wait stop_timeout before SIGKILL, took " + took / 1e6 + " ms");
            assertEquals(Signals.KILL, h.svc("stubborn").status().lastExit().orElseThrow().signal());
            h.awaitLine("got TERM", LIMIT);
        }
    }

    @Test
    void stopEndsAsSoonAsTheServiceExits() throws Exception {
        try (Harness h = new Harness("""
                [service.polite]
                command = ["sleep", "1000"]
                stop_timeout = "30s"
                """)) {
            h.start("polite");
            h.await("polite", s -> s.state() == ServiceState.UP, LIMIT);
            long t0 = System.nanoTime();
            h.stop("polite");
            h.await("polite", s -> s.state() == ServiceState.DOWN, LIMIT);
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "no waiting for stop_timeout when the service exits on TERM");
            assertEquals(Signals.TERM, h.svc("polite").status().lastExit().orElseThrow().signal());
        }
    }

    @Test
    void aGrandchildInTheProcessGroupIsKilledWithItsService() throws Exception {
        Path pidFile = Files.createTempFile("grandchild", ".pid");
        try (Harness h = new Harness("""
                [service.forker]
                command = "sh -c 'sleep 1000 & echo $! > %s'; echo forked; exec sleep 1000"
                """.formatted(pidFile), false)) {
            h.start("forker");
            h.awaitLine("forked", LIMIT);
            int grandchild = Integer.parseInt(Files.readString(pidFile).trim());
            assertTrue(Harness.alive(grandchild));
            h.stop("forker");
            h.await("forker", s -> s.state() == ServiceState.DOWN, LIMIT);
            assertFalse(Harness.alive(grandchild), "the double-forked grandchild " + grandchild + " survived");
        }
    }

    @Test
    void aGrandchildThatLeftTheSessionIsKilledThroughTheCgroup() throws Exception {
        assumeCgroups();
        Path pidFile = Files.createTempFile("escaper", ".pid");
        try (Harness h = new Harness("""
                [service.escaper]
                command = "setsid sh -c 'sleep 1000 & echo $! > %s; wait' & sleep 0.01; echo forked; exec sleep 1000"
                """.formatted(pidFile))) {
            h.start("escaper");
            h.awaitLine("forked", LIMIT);
            int escaped = awaitPid(pidFile);
            assertTrue(Harness.alive(escaped));
            h.stop("escaper");
            h.await("escaper", s -> s.state() == ServiceState.DOWN, LIMIT);
            assertFalse(Harness.alive(escaped), "the grandchild in its own session " + escaped + " survived the stop");
        }
    }

    @Test
    void everyOrphanIsReaped() throws Exception {
        long before = Reaper.get().orphansReaped();
        try (Harness h = new Harness("""
                [service.orphans]
                command = "i=0; while [ $i -lt 1000 ]; do (true &); i=$((i+1)); done; echo made; exec sleep 1000"
                """, false)) {
            h.start("orphans");
            h.awaitLine("made", LIMIT);
            long end = System.nanoTime() + LIMIT.toNanos();
            while (Reaper.get().orphansReaped() - before < 1000 && System.nanoTime() < end) Thread.sleep(10);
            assertTrue(Reaper.get().orphansReaped() - before >= 1000, "reaped " + (Reaper.get().orphansReaped() - before));
            assertEquals(List.of(), zombiesOf(ProcessHandle.current().pid()));
        }
    }

    @Test
    void environmentWorkingDirAndUserAreApplied() throws Exception {
        assumeTrue(Harness.root() || System.getenv("CI") != null, "needs root to change user (skipped: not root)");
        try (Harness h = new Harness("""
                [service.who]
                command = "echo \\"env=$GREETING cwd=$(pwd) uid=$(id -u) gid=$(id -g) groups=$(id -G) home=$HOME\\""
                env = { GREETING = "hello world" }
                working_dir = "/tmp"
                user = "nobody"
                group = "nogroup"
                restart = "never"
                """)) {
            h.start("who");
            h.awaitLine("env=", LIMIT);
            String line = h.lines.stream().filter(l -> l.contains("env=")).findFirst().orElseThrow();
            assertTrue(line.endsWith("env=hello world cwd=/tmp uid=65534 gid=65534 groups=65534 home=/nonexistent"), line);
        }
    }

    @Test
    void aMissingProgramIsReportedAndBackedOff() throws Exception {
        try (Harness h = new Harness("""
                [service.ghost]
                command = ["no-such-program-anywhere"]
                backoff = "20ms"
                max_restarts = 2
                """)) {
            h.start("ghost");
            h.await("ghost", s -> s.state() == ServiceState.FAILED, LIMIT);
            assertTrue(h.svc("ghost").status().reason().contains("max_restarts"), h.svc("ghost").status().reason());
            assertTrue(h.changesOf("ghost").stream().anyMatch(c -> c.to().equals("backoff")));
        }
    }

    @Test
    void aServiceIsBornInItsCgroup() throws Exception {
        assumeCgroups();
        assumeCloneIntoCgroup();
        // No exec step at all: only the spawn itself can have put it there before its first instruction.
        try (Harness h = new Harness("""
                [service.born]
                command = ["cat", "/proc/self/cgroup"]
                restart = "never"
                """, true, Optional.empty())) {
            h.start("born");
            h.awaitLine("0::", LIMIT);
            String line = h.lines.stream().filter(l -> l.contains("0::")).findFirst().orElseThrow();
            assertTrue(line.endsWith("/" + h.cgroups.orElseThrow().getFileName() + "/born"), line);
        }
    }

    @Test
    void withoutCloneIntoCgroupTheExecStepJoinsTheCgroup() throws Exception {
        assumeCgroups();
        boolean was = Spawn.cloneIntoCgroup(false);
        try (Harness h = new Harness("""
                [service.joined]
                command = ["cat", "/proc/self/cgroup"]
                restart = "never"
                """)) {
            h.start("joined");
            h.awaitLine("0::", LIMIT);
            String line = h.lines.stream().filter(l -> l.contains("0::")).findFirst().orElseThrow();
            assertTrue(line.endsWith("/" + h.cgroups.orElseThrow().getFileName() + "/joined"), line);
        } finally {
            Spawn.cloneIntoCgroup(was);
        }
    }

    /** A program given by path that is missing or not executable: the same clear failure with or without a cgroup. */
    @Test
    void spawnErrorsNameTheProgramAndTheReasonInEveryWayOfSpawning() throws Exception {
        Path notExecutable = Files.createTempFile("not-executable", ".sh");
        String toml = """
                [service.missing]
                command = ["/nonexistent/program"]
                restart = "never"

                [service.noexec]
                command = ["%s"]
                restart = "never"
                """.formatted(notExecutable);
        try {
            for (String way : List.of("no cgroup", "born in its cgroup", "joining its cgroup")) {
                boolean cgroups = !way.equals("no cgroup") && banyan.os.Cgroup.parentForInstance("banyan-probe").map(p -> p.toFile().delete()).orElse(false);
                if (!way.equals("no cgroup") && !cgroups) continue;
                boolean was = Spawn.cloneIntoCgroup(way.equals("born in its cgroup"));
                if (way.equals("born in its cgroup") && !Spawn.cloneIntoCgroup()) continue;
                try (Harness h = new Harness(toml, cgroups)) {
                    h.start("missing");
                    h.start("noexec");
                    h.await("missing", s -> s.state() == ServiceState.FAILED, LIMIT);
                    h.await("noexec", s -> s.state() == ServiceState.FAILED, LIMIT);
                    assertFailure(h, "missing", "/nonexistent/program: No such file or directory", way);
                    assertFailure(h, "noexec", notExecutable + ": Permission denied", way);
                } finally {
                    Spawn.cloneIntoCgroup(was);
                }
            }
        } finally {
            Files.delete(notExecutable);
        }
    }

    /** The reason is in the status (the spawn failed) or, through the exec step, in the service's own output. */
    private static void assertFailure(Harness h, String service, String text, String way) throws InterruptedException {
        String reason = h.svc(service).status().reason();
        if (reason.replace("(", "").replace(")", "").contains(text)) return;
        assertTrue(reason.equals("exited 127") || reason.equals("exited 126"), way + ": " + service + ": " + reason);
        h.awaitLine(service + " err banyan-exec: cannot execute " + text, LIMIT);
    }

    static void assumeCloneIntoCgroup() {
        assumeTrue(System.getProperty("os.arch").equals("amd64"), "banyan_spawn clones into cgroups on x86-64 only");
        if (System.getenv("CI") != null) assertTrue(Spawn.cloneIntoCgroup(), "CI must provide clone3 with CLONE_INTO_CGROUP (Linux 5.7+)");
        assumeTrue(Spawn.cloneIntoCgroup(), "clone3 into a cgroup is not available here");
    }

    static void assumeCgroups() {
        boolean ok = banyan.os.Cgroup.parentForInstance("banyan-probe").map(p -> p.toFile().delete()).orElse(false);
        if (System.getenv("CI") != null) assertTrue(ok, "CI must provide a writable cgroup v2");
        assumeTrue(ok, "cgroup v2 is not writable here (skipped: not root or no cgroup2 mount)");
    }

    static int awaitPid(Path file) throws Exception {
        long end = System.nanoTime() + LIMIT.toNanos();
        while (System.nanoTime() < end) {
            String s = Files.readString(file).trim();
            if (!s.isEmpty()) return Integer.parseInt(s);
            Thread.sleep(5);
        }
        throw new AssertionError("no pid written to " + file);
    }

    static List<Long> zombiesOf(long parent) throws Exception {
        List<Long> out = new ArrayList<>();
        try (var dirs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path d : dirs) {
                try {
                    String stat = Files.readString(d.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (f[0].equals("Z") && Long.parseLong(f[1]) == parent) out.add(Long.parseLong(d.getFileName().toString()));
                } catch (java.io.IOException gone) {
                    // exited meanwhile
                }
            }
        }
        return out;
    }
}

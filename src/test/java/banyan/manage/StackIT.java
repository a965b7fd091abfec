package banyan.manage;

import banyan.supervise.ServiceState;
import banyan.TestHost;
import banyan.config.StackConfig;
import banyan.os.Signals;
import banyan.supervise.ServiceStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.*;

/** Order of start and stop, proven by timestamps the services write themselves; recovery; reload by diff. */
class StackIT {
    @TempDir
    Path dir;
    final TestHost t = new TestHost();
    Stack stack;

    @AfterEach
    void down() throws InterruptedException {
        if (stack != null) stack.down();
    }

    /** A service that stamps "start NAME", gets ready on fd 3 after a beat, and stamps "stop NAME" at SIGTERM. */
    String service(String name, String deps) {
        return """
                [service.%1$s]
                command = "trap 'echo stop %1$s $(date +%%s%%N) >> %2$s/stamps; exit 0' TERM; echo start %1$s $(date +%%s%%N) >> %2$s/stamps; sleep 0.1; echo ready %1$s $(date +%%s%%N) >> %2$s/stamps; echo >&3; while true; do sleep 0.05; done"
                ready = { fd = 3 }
                stop_timeout = "5s"
                %3$s
                """.formatted(name, dir, deps);
    }

    List<String> events(String kind) throws Exception {
        return Files.readAllLines(dir.resolve("stamps")).stream().filter(l -> l.startsWith(kind + " "))
                .sorted((a, b) -> Long.compare(Long.parseLong(a.split(" ")[2]), Long.parseLong(b.split(" ")[2])))
                .map(l -> l.split(" ")[1]).toList();
    }

    ServiceStatus status(String name) {
        return stack.get(name).orElseThrow().status();
    }

    boolean await(String name, Predicate<ServiceStatus> p) throws InterruptedException {
        return stack.get(name).orElseThrow().await(p, Duration.ofSeconds(10));
    }

    static boolean up(ServiceStatus s) {
        return s.state() == ServiceState.UP;
    }

    @Test
    void upFollowsTheGraphAndDownIsItsReverse() throws Exception {
        StackConfig c = TestHost.config(dir, service("web", "requires = [\"app\"]") + service("app", "requires = [\"db\"]\nwants = [\"cache\"]")
                + service("db", "") + service("cache", "after = [\"db\"]") + service("other", ""));
        stack = new Stack(c, t.host);
        stack.up();
        Map<String, String> outcome = stack.awaitUp(Duration.ofSeconds(20)).orElseThrow();
        assertEquals(Map.of("web", "ready", "app", "ready", "db", "ready", "cache", "ready", "other", "ready"), outcome);
        List<String> starts = events("start"), readies = events("ready");
        assertTrue(readies.indexOf("db") < starts.indexOf("cache"), "after: " + starts);
        assertTrue(readies.indexOf("db") < starts.indexOf("app"), "requires waits for ready");
        assertTrue(readies.indexOf("cache") < starts.indexOf("app"), "wants orders too");
        assertTrue(readies.indexOf("app") < starts.indexOf("web"));
        long t0 = System.nanoTime();
        stack.down();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        stack = null;
        List<String> stops = events("stop");
        assertEquals(5, stops.size(), stops.toString());
        assertTrue(stops.indexOf("web") < stops.indexOf("app") && stops.indexOf("app") < stops.indexOf("cache")
                && stops.indexOf("cache") < stops.indexOf("db") && stops.indexOf("app") < stops.indexOf("db"), "reverse: " + stops);
        assertTrue(ms < 3000, "no fixed sleeps on the way down: " + ms + "ms");
    }

    @Test
    void aFailureSkipsOnlyItsDependents() throws Exception {
        StackConfig c = TestHost.config(dir, """
                [service.broken]
                command = "exit 3"
                ready = { fd = 3 }
                restart = "never"
                """ + service("needs-broken", "requires = [\"broken\"]") + service("wants-broken", "wants = [\"broken\"]") + service("alone", ""));
        stack = new Stack(c, t.host);
        stack.up();
        Map<String, String> outcome = stack.awaitUp(Duration.ofSeconds(20)).orElseThrow();
        assertEquals("ready", outcome.get("alone"));
        assertEquals("ready", outcome.get("wants-broken"), "wants: its failure blocks nothing");
        assertTrue(outcome.get("broken").startsWith("failed"), outcome.toString());
        assertEquals("skipped: requires broken (failed)", outcome.get("needs-broken"));
        assertEquals(ServiceState.DOWN, status("needs-broken").state());
    }

    @Test
    void dependentsStopWhenTheirRequirementDiesAndComeBackAfterIt() throws Exception {
        StackConfig c = TestHost.config(dir, service("bottom", "") + service("middle", "requires = [\"bottom\"]")
                + service("top", "requires = [\"middle\"]"));
        stack = new Stack(c, t.host);
        stack.up();
        assertTrue(stack.awaitUp(Duration.ofSeconds(20)).orElseThrow().values().stream().allMatch("ready"::equals));
        int bottom = status("bottom").pid(), middle = status("middle").pid(), top = status("top").pid();
        Signals.kill(bottom, Signals.KILL);
        // Each comes back on its own, with a new process, and nothing is left down.
        assertTrue(await("bottom", s -> up(s) && s.pid() != bottom));
        assertTrue(await("middle", s -> up(s) && s.pid() != middle), status("middle").toString());
        assertTrue(await("top", s -> up(s) && s.pid() != top), status("top").toString());
        List<String> starts = events("start"), readies = events("ready"), stops = events("stop");
        assertEquals(List.of("top", "middle"), stops, "dependents were stopped, top first");
        // Second round: bottom ready, then middle started; middle ready, then top started.
        assertEquals(List.of("bottom", "middle", "top", "bottom", "middle", "top"), starts);
        assertEquals(List.of("bottom", "middle", "top", "bottom", "middle", "top"), readies);
        List<String> all = Files.readAllLines(dir.resolve("stamps")).stream()
                .sorted((a, b) -> Long.compare(Long.parseLong(a.split(" ")[2]), Long.parseLong(b.split(" ")[2])))
                .map(l -> l.split(" ")[0] + " " + l.split(" ")[1]).toList();
        List<String> second = all.subList(all.indexOf("start bottom") + 1, all.size());
        second = second.subList(second.indexOf("start bottom"), second.size());
        assertTrue(second.indexOf("ready bottom") < second.indexOf("start middle")
                && second.indexOf("ready middle") < second.indexOf("start top"), second.toString());
    }

    /** Both die at once (as under kill -9 -1) and restart on their own: the dependent starts again after its requirement is ready. */
    @Test
    void aDependentThatRestartedBeforeItsRequirementStartsAgainAfterIt() throws Exception {
        String quick = """
                [service.%1$s]
                command = "echo start %1$s $(date +%%s%%N) >> %2$s/stamps; echo ready %1$s $(date +%%s%%N) >> %2$s/stamps; echo >&3; exec sleep 1000"
                ready = { fd = 3 }
                min_uptime = "1ms"
                %3$s
                """; // ready at once: the restart by its own supervisor races with the requirement's
        StackConfig c = TestHost.config(dir, quick.formatted("bottom", dir, "") + quick.formatted("middle", dir, "requires = [\"bottom\"]"));
        stack = new Stack(c, t.host);
        stack.up();
        assertTrue(stack.awaitUp(Duration.ofSeconds(20)).orElseThrow().values().stream().allMatch("ready"::equals));
        for (int round = 0; round < 10; round++) {
            int bottom = status("bottom").pid(), middle = status("middle").pid();
            Signals.kill(middle, Signals.KILL);
            Signals.kill(bottom, Signals.KILL);
            assertTrue(await("bottom", s -> up(s) && s.pid() != bottom));
            assertTrue(await("middle", s -> up(s) && s.pid() != middle), status("middle").toString());
            assertTrue(stack.awaitUp(Duration.ofSeconds(20)).isPresent());
            List<String> all = Files.readAllLines(dir.resolve("stamps")).stream()
                    .sorted((a, b) -> Long.compare(Long.parseLong(a.split(" ")[2]), Long.parseLong(b.split(" ")[2])))
                    .map(l -> l.split(" ")[0] + " " + l.split(" ")[1]).toList();
            assertTrue(all.lastIndexOf("ready bottom") < all.lastIndexOf("start middle"), "round " + round + ": " + all);
        }
    }

    /** A bug in what watches one service (here, a listener that always throws) leaves it and the rest supervised. */
    @Test
    void anErrorInOneServicesSupervisionIsContained() throws Exception {
        StackConfig c = TestHost.config(dir, service("cursed", "") + service("fine", "requires = [\"cursed\"]"));
        banyan.supervise.Host h = t.host;
        stack = new Stack(c, new banyan.supervise.Host(h.baseEnv(), h.cgroupParent(), h.execHelper(), h.pump(), h.output(), (before, now) -> {
            h.listener().changed(before, now);
            if (now.name().equals("cursed")) throw new IllegalStateException("a bug in a listener");
        }));
        stack.up();
        assertEquals(Map.of("cursed", "ready", "fine", "ready"), stack.awaitUp(Duration.ofSeconds(20)).orElseThrow());
        int cursed = status("cursed").pid(), fine = status("fine").pid();
        Signals.kill(cursed, Signals.KILL);
        assertTrue(await("cursed", s -> up(s) && s.pid() != cursed), "still restarted: " + status("cursed"));
        assertTrue(await("fine", s -> up(s) && s.pid() != fine), "its dependent followed: " + status("fine"));
        long t0 = System.nanoTime();
        stack.down();
        stack = null;
        assertTrue(System.nanoTime() - t0 < 15_000_000_000L, "down did not wait out its limit");
        List<String> stops = events("stop"); // fine also stopped once when cursed died
        assertEquals(List.of("fine", "cursed"), stops.subList(stops.size() - 2, stops.size()), stops.toString());
    }

    @Test
    void reloadKeepsWhatDidNotChange() throws Exception {
        String keep = service("keep", ""), base = service("base", ""), dependent = service("dependent", "requires = [\"base\"]");
        stack = new Stack(TestHost.config(dir, keep + base + dependent + service("gone", "")), t.host);
        stack.up();
        assertTrue(stack.awaitUp(Duration.ofSeconds(20)).orElseThrow().values().stream().allMatch("ready"::equals));
        int keepPid = status("keep").pid(), basePid = status("base").pid(), depPid = status("dependent").pid();
        String changedBase = base.replace("stop_timeout = \"5s\"", "stop_timeout = \"4s\"");
        StackConfig next = TestHost.config(dir, keep + changedBase + dependent + service("new", ""));
        Stack.Diff d = stack.reload(next);
        assertEquals(List.of("new"), d.added());
        assertEquals(List.of("gone"), d.removed());
        assertEquals(List.of("base"), d.changed());
        assertTrue(stack.awaitUp(Duration.ofSeconds(20)).orElseThrow().values().stream().allMatch("ready"::equals));
        assertTrue(await("dependent", s -> up(s) && s.pid() != depPid), "restarted with what it requires");
        assertNotEquals(basePid, status("base").pid());
        assertEquals(keepPid, status("keep").pid(), "unchanged: same process");
        assertTrue(stack.get("gone").isEmpty());
        assertTrue(events("stop").contains("gone"));
        assertTrue(up(status("new")));
        List<String> stops = events("stop");
        assertTrue(stops.indexOf("dependent") < stops.indexOf("base"), "dependent stopped first: " + stops);
    }
}

package banyan.init;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** banyan init as a real PID 1 of a PID namespace: reaping, kill -9 -1, shutdown order, MAIN's exit code. */
@Timeout(120)
class InitPid1Test {
    private static final Duration BOOT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /** A service that appends "start NAME NANOS" to events, stops on TERM with "stop NAME NANOS", and otherwise waits. */
    private String service(String name, String... requires) {
        String events = dir.resolve("events").toString();
        return """
                [service.%1$s]
                command = "trap 'echo stop %1$s $(date +%%s%%N) >> %2$s; exit 0' TERM; echo start %1$s $(date +%%s%%N) >> %2$s; sleep 1000 & wait"
                requires = [%3$s]
                """.formatted(name, events, String.join(", ", java.util.Arrays.stream(requires).map(r -> '"' + r + '"').toList()));
    }

    @Test
    void mainExitCodeIsBanyansExitCode() throws Exception {
        Pid1.write(dir.resolve("banyan.toml"), service("a"));
        try (Pid1 b = Pid1.start(dir, "--", "sh", "-c", "exit 42")) {
            assertEquals(42, b.awaitExit(BOOT), b.output());
            assertTrue(b.output().contains("stage 4: no process left"), b.output());
        }
    }

    @Test
    void mainKilledBySignalGives128PlusSignal() throws Exception {
        Pid1.write(dir.resolve("banyan.toml"), service("a"));
        try (Pid1 b = Pid1.start(dir, "--", "sh", "-c", "kill -KILL $$")) {
            assertEquals(128 + 9, b.awaitExit(BOOT), b.output());
        }
    }

    @Test
    void mainStartsOnlyOnceTheServicesAreUp() throws Exception {
        Pid1.write(dir.resolve("banyan.toml"), service("a") + service("b"));
        try (Pid1 b = Pid1.start(dir, "--", "true")) {
            assertEquals(0, b.awaitExit(BOOT), b.output());
            List<String> lines = b.output().lines().toList();
            int main = IntStream.range(0, lines.size()).filter(i -> lines.get(i).contains("MAIN started")).findFirst().orElse(-1);
            for (String svc : List.of("a", "b")) {
                int up = IntStream.range(0, lines.size()).filter(i -> lines.get(i).matches(".* " + svc + " +\\* .*-> up .*")).findFirst().orElse(-1);
                assertTrue(up >= 0 && up < main, "MAIN after " + svc + " is up:\n" + b.output());
            }
        }
    }

    @Test
    void sigtermStopsServicesInReverseOrderAndLeavesNoProcess() throws Exception {
        List<String> names = List.of("s1", "s2", "s3", "s4", "s5");
        StringBuilder toml = new StringBuilder("[boot]\ngrace = \"300ms\"\n");
        for (int i = 0; i < names.size(); i++) toml.append(i == 0 ? service(names.get(i)) : service(names.get(i), names.get(i - 1)));
        Pid1.write(dir.resolve("banyan.toml"), toml.toString());
        try (Pid1 b = Pid1.start(dir)) {
            b.awaitLog("target default is up", BOOT);
            Pid1.await("every service's trap set", BOOT, () -> Pid1.lines(dir.resolve("events")).stream().filter(l -> l.startsWith("start ")).count() == 5);
            // Two strays that are no service's: one ends on SIGTERM, one ignores it and needs the SIGKILL of stage 4.
            String events = dir.resolve("events").toString();
            b.insideAsync("sh", "-c", "trap 'echo stray-term >> " + events + "; exit 0' TERM; echo stray-ready >> " + events + "; while :; do sleep 0.05; done");
            b.insideAsync("sh", "-c", "trap '' TERM; echo stubborn-ready >> " + events + "; while :; do sleep 0.05; done");
            Pid1.await("strays running", BOOT, () -> Pid1.lines(dir.resolve("events")).containsAll(List.of("stray-ready", "stubborn-ready")));
            b.signal("TERM");
            assertEquals(0, b.awaitExit(BOOT), b.output());
        }
        List<String> lines = Pid1.lines(dir.resolve("events"));
        List<String> stops = lines.stream().filter(l -> l.startsWith("stop ")).toList();
        assertEquals(List.of("s5", "s4", "s3", "s2", "s1"), stops.stream().map(l -> l.split(" ")[1]).toList(), String.join("\n", lines));
        List<Long> times = stops.stream().map(l -> Long.parseLong(l.split(" ")[2])).toList();
        for (int i = 1; i < times.size(); i++) assertTrue(times.get(i - 1) <= times.get(i), "stop timestamps in order: " + times);
        assertTrue(lines.contains("stray-term"), "stage 4 sent SIGTERM to a process no service owned:\n" + String.join("\n", lines));
        String out = Files.readString(dir.resolve("banyan.log"));
        assertTrue(out.contains("outlived the grace time (300ms): SIGKILL"), out);
        assertTrue(out.contains("no process left"), out);
    }

    @Test
    void theClientCommandsReachPid1AndShutdownEndsTheContainer() throws Exception {
        Pid1.write(dir.resolve("banyan.toml"), service("a") + service("b", "a"));
        try (Pid1 b = Pid1.start(dir)) {
            b.awaitLog("target default is up", BOOT);
            var status = Pid1.client(dir, "status");
            assertEquals(0, status.getKey(), status.getValue());
            assertTrue(status.getValue().lines().anyMatch(l -> l.matches("b +up .*")), status.getValue());
            var bad = Pid1.client(dir, "stop", "nosuch");
            assertEquals(2, bad.getKey(), bad.getValue());
            var shutdown = Pid1.client(dir, "shutdown", "--reboot");
            assertEquals(0, shutdown.getKey(), shutdown.getValue());
            assertEquals(0, b.awaitExit(BOOT), b.output());
            assertTrue(b.output().contains("reboot requested"), b.output());
        }
        List<String> stops = Pid1.lines(dir.resolve("events")).stream().filter(l -> l.startsWith("stop ")).map(l -> l.split(" ")[1]).toList();
        assertEquals(List.of("b", "a"), stops, "b requires a: it stops first");
        assertTrue(Files.readString(dir.resolve("log").resolve("@banyan.log")).contains("reboot requested"), "init's own log file");
    }

    @Test
    void startedLikeTheKernelStartsInitItRunsInit() throws Exception {
        Pid1.write(dir.resolve("banyan.toml"), service("a"));
        try (Pid1 b = Pid1.startAsKernelInit(dir, "single")) {
            b.awaitLog("target default is up", BOOT);
            assertTrue(b.output().contains("running init; ignoring single"), b.output());
            b.signal("TERM");
            assertEquals(0, b.awaitExit(BOOT), b.output());
        }
    }

    @Test
    void orphansOfEveryKindAreReaped() throws Exception {
        String d = dir.toString();
        // 1: a daemon's double fork; 2: fifty at once; 3: a process that dies leaving zombie children of its own
        String toml = """
                [service.daemonizer]
                command = "(sh -c 'sleep 0.2; echo > %1$s/o1' &); exec sleep 1000"
                [service.many]
                command = "for i in $(seq 50); do (sh -c \\"sleep 0.2; echo > %1$s/m$i\\" &); done; exec sleep 1000"
                [service.zombies]
                command = "(sh -c 'sleep 0.1 & sleep 0.1 & exec sleep 0.3' &); exec sleep 1000"
                """.formatted(d);
        Pid1.write(dir.resolve("banyan.toml"), toml);
        // 4: MAIN's own orphan
        try (Pid1 b = Pid1.start(dir, "--", "sh", "-c", "(sh -c 'sleep 0.2; echo > " + d + "/o3' &); exec sleep 1000")) {
            b.awaitLog("MAIN started", BOOT);
            // 5: an orphan of a process that entered the namespace from outside
            assertEquals(0, b.inside("sh", "-c", "(sh -c 'sleep 0.2; echo > " + d + "/o4' &)"));
            Pid1.await("every orphan to finish and be reaped", BOOT, () -> {
                boolean markers = Files.exists(dir.resolve("o1")) && Files.exists(dir.resolve("o3")) && Files.exists(dir.resolve("o4"))
                        && IntStream.rangeClosed(1, 50).allMatch(i -> Files.exists(dir.resolve("m" + i)));
                return markers && zombiesAndShortSleepers(b.hostPid()).isEmpty();
            });
            b.signal("TERM");
            b.awaitExit(BOOT);
            String out = b.output();
            long reaped = Long.parseLong(out.replaceAll("(?s).* (\\d+) orphan\\(s\\) reaped.*", "$1"));
            assertTrue(reaped >= 50 + 1 + 1 + 1 + 2, "orphans counted: " + reaped + "\n" + out);
        }
    }

    /** Descendants of pid that are zombies, or the 0.3 s sleeper whose zombie children must be reaped once it dies. */
    private static List<String> zombiesAndShortSleepers(long pid) {
        List<String> out = new ArrayList<>();
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(p -> {
            try {
                String stat = Files.readString(Path.of("/proc", String.valueOf(p.pid()), "stat"));
                String state = stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
                String cmd = Files.readString(Path.of("/proc", String.valueOf(p.pid()), "cmdline")).replace('\0', ' ');
                if (state.equals("Z") || cmd.startsWith("sleep 0.")) out.add(p.pid() + " " + state + " " + cmd);
            } catch (IOException e) {
                // gone meanwhile
            }
        }));
        return out;
    }

    /**
     * kill -9 -1 inside the namespace, ten times: every service comes back each time, on its own.
     * db, app and web form a requires chain: each round, they come back in that order.
     */
    @Test
    void everyServiceComesBackAfterKillMinus9MinusOneTenTimes() throws Exception {
        final List<List<String>> order = List.of(List.of("db", "app", "web"));
        Map<String, String> requires = Map.of("app", "db", "web", "app");
        List<String> names = List.of("db", "app", "web", "cache", "queue");
        String starts = dir.resolve("starts").toString();
        StringBuilder toml = new StringBuilder();
        for (String n : names)
            toml.append("""
                    [service.%1$s]
                    command = "echo %1$s $(date +%%s%%N) >> %2$s; echo >&3; exec sleep 1000"
                    ready = { fd = 3 } # ready once its start is written: what requires it starts after that line
                    # ten kills in a row, each right after a restart, are no crash loop: they must not count as one
                    min_uptime = "1ms"
                    max_restarts = 1000
                    requires = [%3$s]
                    """.formatted(n, starts, requires.containsKey(n) ? '"' + requires.get(n) + '"' : ""));
        Pid1.write(dir.resolve("banyan.toml"), toml.toString());
        Path file = dir.resolve("starts");
        try (Pid1 b = Pid1.start(dir)) {
            b.awaitLog("target default is up", BOOT);
            for (int round = 1; round <= 10; round++) {
                int before = Pid1.lines(file).size();
                assertEquals(0, b.inside("sh", "-c", "kill -9 -1"), "kill -9 -1 inside the namespace");
                try {
                    Pid1.await("round " + round + ": every service back, each after what it requires", BOOT,
                            () -> backInOrder(Pid1.lines(file), before, names, order));
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "\nstarts:\n" + String.join("\n", Pid1.lines(file)) + "\nbanyan:\n" + b.output(), e);
                }
            }
            Thread.sleep(200); // a planner that would still restart something out of order has done it by now
            List<String> lines = Pid1.lines(file);
            assertTrue(backInOrder(lines, 0, names, order), "the running instances started in dependency order:\n" + String.join("\n", lines));
            b.signal("TERM");
            assertEquals(0, b.awaitExit(BOOT), b.output());
            assertTrue(!b.output().contains("failed"), b.output());
        }
    }

    /** Every name started after line `from`, and the latest start of each chain member follows its predecessor's. */
    private static boolean backInOrder(List<String> lines, int from, List<String> names, List<List<String>> chains) {
        Map<String, Long> latest = new HashMap<>();
        for (String l : lines.subList(Math.min(from, lines.size()), lines.size()))
            latest.put(l.split(" ")[0], Long.parseLong(l.split(" ")[1]));
        if (!latest.keySet().containsAll(names)) return false;
        for (List<String> chain : chains)
            for (int i = 1; i < chain.size(); i++)
                if (latest.get(chain.get(i - 1)) > latest.get(chain.get(i))) return false;
        return true;
    }
}

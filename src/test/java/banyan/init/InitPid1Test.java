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
    private String service(String name) {
        String events = dir.resolve("events").toString();
        return """
                [service.%1$s]
                command = "trap 'echo stop %1$s $(date +%%s%%N) >> %2$s; exit 0' TERM; echo start %1$s $(date +%%s%%N) >> %2$s; sleep 1000 & wait"
                """.formatted(name, events);
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
        names.forEach(n -> toml.append(service(n)));
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
     * ORDER lists chains that must start in that order; it fills in once services can declare
     * dependencies (requires = [...]) and the config below declares them.
     */
    @Test
    void everyServiceComesBackAfterKillMinus9MinusOneTenTimes() throws Exception {
        final List<List<String>> order = List.of(); // e.g. List.of("db", "app", "web") once requires exists
        List<String> names = List.of("db", "app", "web", "cache", "queue");
        String starts = dir.resolve("starts").toString();
        StringBuilder toml = new StringBuilder();
        for (String n : names)
            toml.append("""
                    [service.%1$s]
                    command = "echo %1$s $(date +%%s%%N) >> %2$s; exec sleep 1000"
                    # ten kills in a row, each right after a restart, are no crash loop: they must not count as one
                    min_uptime = "1ms"
                    max_restarts = 1000
                    """.formatted(n, starts));
        Pid1.write(dir.resolve("banyan.toml"), toml.toString());
        try (Pid1 b = Pid1.start(dir)) {
            b.awaitLog("target default is up", BOOT);
            for (int round = 1; round <= 10; round++) {
                int want = round;
                Pid1.await("every service started " + want + " times", BOOT, () -> startCounts(dir.resolve("starts"), names, want));
                assertEquals(0, b.inside("sh", "-c", "kill -9 -1"), "kill -9 -1 inside the namespace");
            }
            Pid1.await("every service back after the 10th kill", BOOT, () -> startCounts(dir.resolve("starts"), names, 11));
            for (List<String> chain : order) assertStartOrder(Pid1.lines(dir.resolve("starts")), chain, 11);
            b.signal("TERM");
            assertEquals(0, b.awaitExit(BOOT), b.output());
            assertTrue(!b.output().contains("failed"), b.output());
        }
    }

    private static boolean startCounts(Path file, List<String> names, int atLeast) {
        Map<String, Long> counts = Pid1.lines(file).stream().collect(Collectors.groupingBy(l -> l.split(" ")[0], Collectors.counting()));
        return names.stream().allMatch(n -> counts.getOrDefault(n, 0L) >= atLeast);
    }

    /** In each of rounds, the k-th start of chain[i] is no later than the k-th start of chain[i+1]. */
    private static void assertStartOrder(List<String> lines, List<String> chain, int rounds) {
        Map<String, List<Long>> at = new HashMap<>();
        for (String l : lines) at.computeIfAbsent(l.split(" ")[0], k -> new ArrayList<>()).add(Long.parseLong(l.split(" ")[1]));
        for (int k = 0; k < rounds; k++)
            for (int i = 1; i < chain.size(); i++)
                assertTrue(at.get(chain.get(i - 1)).get(k) <= at.get(chain.get(i)).get(k), "round " + k + ": " + chain);
    }
}

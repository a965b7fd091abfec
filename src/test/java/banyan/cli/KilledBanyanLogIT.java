package banyan.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * banyan killed with SIGKILL while a service writes: its log file holds every line banyan wrote,
 * in order and readable; the next banyan ends a line left half-written and says so.
 */
class KilledBanyanLogIT {
    @TempDir
    Path dir;

    static final Pattern LINE = Pattern.compile("^\\S+Z out (\\d+)$");

    @Test
    void aKilledBanyanLeavesAWholeFileAndTheNextOneMarksAHalfLine() throws Exception {
        Path log = dir.resolve("log"), file = log.resolve("chatty.log");
        Files.writeString(dir.resolve("banyan.toml"), """
                log_dir = "%s"
                log_max_size = "1GiB"
                [service.chatty]
                command = ["seq", "1", "100000000"]
                restart = "never"
                """.formatted(log));
        Process up = start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(file) || Files.size(file) < 2_000_000) {
            assertTrue(System.nanoTime() < end && up.isAlive(), "the log file grows");
            LockSupport.parkNanos(10_000_000); // polling a file: nothing to block on
        }
        up.destroyForcibly(); // SIGKILL; seq then dies of SIGPIPE
        assertTrue(up.waitFor(30, TimeUnit.SECONDS));
        removeCgroupsOf(up.pid());

        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8); // readable: valid UTF-8
        long expected = 1;
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = LINE.matcher(lines.get(i));
            if (!m.matches()) continue; // banyan's own lines
            assertEquals(expected, Long.parseLong(m.group(1)), "line " + (i + 1) + ": in order, none missing");
            expected++;
        }
        assertTrue(expected > 50_000, "lines were written: " + expected);

        // a crash in the middle of a write leaves half a line: the next banyan must not glue its first line to it
        Files.writeString(file, "2026-12-02T20:00:00.000000Z out 12", StandardOpenOption.APPEND);
        Files.writeString(dir.resolve("banyan.toml"), """
                log_dir = "%s"
                log_max_size = "1GiB"
                [service.chatty]
                command = "echo after the crash; exec sleep 1000"
                """.formatted(log));
        Process again = start();
        try {
            end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(file).contains("after the crash")) {
                assertTrue(System.nanoTime() < end && again.isAlive(), "the new line arrives");
                LockSupport.parkNanos(10_000_000);
            }
            List<String> tail = Files.readAllLines(file).reversed().subList(0, 3).reversed();
            assertEquals("2026-12-02T20:00:00.000000Z out 12", tail.get(0), "the half line stays as it was: " + tail);
            assertTrue(tail.get(1).matches("\\S+ banyan the line above is incomplete: .*"), tail.toString());
            assertTrue(tail.get(2).endsWith(" out after the crash"), tail.toString());
        } finally {
            again.toHandle().destroy();
            assertTrue(again.waitFor(30, TimeUnit.SECONDS));
        }
    }

    /** A killed banyan cannot remove its cgroups: once seq is gone they are empty, and this test removes them. */
    private static void removeCgroupsOf(long pid) throws Exception {
        try (var all = Files.find(Path.of("/sys/fs/cgroup"), 4, (p, a) -> a.isDirectory() && p.getFileName() != null
                && p.getFileName().toString().equals("banyan-" + pid))) {
            for (Path top : all.toList()) {
                try (var tree = Files.walk(top)) {
                    for (Path d : tree.filter(Files::isDirectory).sorted(java.util.Comparator.reverseOrder()).toList()) {
                        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                        while (!d.toFile().delete() && Files.exists(d)) { // busy until the kernel has reaped seq
                            assertTrue(System.nanoTime() < end, "cgroup " + d + " stays busy");
                            LockSupport.parkNanos(5_000_000);
                        }
                    }
                }
            }
        }
    }

    private Process start() throws Exception {
        return new ProcessBuilder(CliEndToEndTest.java("up", "-f", dir.resolve("banyan.toml").toString(),
                "--control", dir.resolve("control.sock").toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("up.out").toFile()).start();
    }
}

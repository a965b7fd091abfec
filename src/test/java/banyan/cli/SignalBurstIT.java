package banyan.cli;

import banyan.os.Signals;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static banyan.cli.ReloadBurstIT.get;
import static banyan.cli.ReloadBurstIT.running;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Signals to a real `banyan up` in bursts: 1,000 SIGHUPs cost a few reloads and the stack ends in
 * the state of the last file; SIGTERM in the middle of a reload (and of a burst of SIGHUPs) stops
 * everything cleanly, exit code 0, with no process left.
 */
class SignalBurstIT {
    @TempDir
    Path dir;
    final String tag = "." + ProcessHandle.current().pid() + System.nanoTime() % 100000;

    String services(String... names) {
        StringBuilder b = new StringBuilder();
        for (String n : names) b.append("[service.").append(n).append("]\ncommand = \"exec sleep 100").append(n.length()).append(tag).append("\"\n");
        return b.toString();
    }

    /** Replaces the file atomically, as docs/design.md advises, so that every run reads a whole file. */
    void install(Path file, String text) throws IOException {
        Path tmp = dir.resolve("next.toml");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void aThousandSighupsAreAFewReloadsAndTheLastFileWins() throws Exception {
        Path file = dir.resolve("banyan.toml"), socket = dir.resolve("control.sock"), out = dir.resolve("up.out");
        install(file, services("a", "xx"));
        Process up = new ProcessBuilder(CliEndToEndTest.java("up", "-f", file.toString(), "--control", socket.toString()))
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            awaitStates(socket, up, out, Map.of("a", "up", "xx", "up"));
            install(file, services("a", "yyy"));
            long began = System.nanoTime();
            for (int i = 0; i < 1000; i++) Signals.kill((int) up.pid(), Signals.HUP);
            long sentMs = (System.nanoTime() - began) / 1_000_000;
            awaitStates(socket, up, out, Map.of("a", "up", "yyy", "up"));
            assertEquals(List.of(), running("1002" + tag), "xx is gone");
            long runs = Files.readString(out).lines().filter(l -> l.contains(" * reloaded " + file + ":")).count();
            System.out.println("1000 SIGHUPs (sent in " + sentMs + " ms): " + runs + " reload run(s)");
            assertTrue(runs >= 1 && runs <= 5, runs + " runs for 1000 SIGHUPs:\n" + Files.readString(out));
        } finally {
            up.destroy();
            assertTrue(up.waitFor(60, TimeUnit.SECONDS), "banyan up ends on SIGTERM");
        }
        assertEquals(0, up.exitValue(), Files.readString(out));
        assertFalse(Files.readString(out).contains("Exception"), Files.readString(out));
        assertEquals(List.of(), running(tag), "no process outlives banyan");
    }

    @Test
    void sigtermDuringAReloadAndABurstOfSighupsStopsCleanly() throws Exception {
        Path file = dir.resolve("banyan.toml"), socket = dir.resolve("control.sock"), out = dir.resolve("up.out");
        install(file, services("a"));
        Process up = new ProcessBuilder(CliEndToEndTest.java("up", "-f", file.toString(), "--control", socket.toString()))
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        int pid = (int) up.pid();
        try {
            awaitStates(socket, up, out, Map.of("a", "up"));
            String[] many = new String[40];
            for (int i = 0; i < many.length; i++) many[i] = "s" + "x".repeat(i % 5) + i;
            install(file, services(many));
            Signals.kill(pid, Signals.HUP);
            long end = System.nanoTime() + 30_000_000_000L; // the reload is being applied once its first services run
            while (running(tag).size() < 3 && System.nanoTime() < end) LockSupport.parkNanos(1_000_000);
            assertTrue(running(tag).size() >= 3, "the reload began: " + Files.readString(out));
            for (int i = 0; i < 500; i++) Signals.kill(pid, Signals.HUP);
            Signals.kill(pid, Signals.TERM);
            for (int i = 0; i < 500; i++) {
                try {
                    Signals.kill(pid, Signals.HUP);
                } catch (RuntimeException gone) {
                    break; // banyan has exited already
                }
            }
            assertTrue(up.waitFor(60, TimeUnit.SECONDS), "banyan up ends on SIGTERM during a reload: " + Files.readString(out));
        } finally {
            up.destroyForcibly();
            up.waitFor(10, TimeUnit.SECONDS);
        }
        String console = Files.readString(out);
        assertEquals(0, up.exitValue(), console);
        assertFalse(console.contains("Exception"), console);
        assertEquals(List.of(), running(tag), "no process outlives banyan");
    }

    private static void awaitStates(Path socket, Process up, Path out, Map<String, String> want) throws Exception {
        long end = System.nanoTime() + 30_000_000_000L;
        Map<String, String> states = new TreeMap<>();
        while (System.nanoTime() < end) {
            assertTrue(up.isAlive(), "banyan up died: " + Files.readString(out));
            states.clear();
            try {
                for (JsonElement e : JsonParser.parseString(get(socket, "/v1/services").body()).getAsJsonObject().getAsJsonArray("services")) {
                    JsonObject s = e.getAsJsonObject();
                    states.put(s.get("name").getAsString(), s.get("state").getAsString());
                }
            } catch (IOException notYet) {
                // no socket yet
            }
            if (states.equals(want)) return;
            LockSupport.parkNanos(5_000_000);
        }
        fail("not " + want + " within 30 s: " + states + "\n" + new String(Files.readAllBytes(out), StandardCharsets.UTF_8));
    }
}

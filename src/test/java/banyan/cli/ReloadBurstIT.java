package banyan.cli;

import banyan.os.Signals;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 17, item 2, as a user met it: two valid files copied in turn over the configuration of a
 * running `banyan up`, each followed by SIGHUP, 200 times, ending on the first; meanwhile the API
 * asks for reloads too. The stack must end in exactly the last file's state every time, and no
 * process may outlive banyan.
 */
class ReloadBurstIT {
    @TempDir
    Path dir;
    final String tag = "." + ProcessHandle.current().pid() + System.nanoTime() % 100000; // sleep times no one else uses
    final Set<Integer> servicePids = ConcurrentHashMap.newKeySet();

    @Test
    void aBurstOfSighupsEndsInTheLastFilesStateTwentyTimesAndNothingOutlivesBanyan() throws Exception {
        byte[] a = """
                [service.a]
                command = "exec sleep 1001%1$s"
                [service.x]
                command = "exec sleep 1003%1$s"
                """.formatted(tag).getBytes(StandardCharsets.UTF_8);
        byte[] b = """
                [service.a]
                command = "exec sleep 1001%1$s"
                [service.y]
                command = "exec sleep 1002%1$s"
                [service.crash]
                command = "exit 3"
                """.formatted(tag).getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("banyan.toml"), socket = dir.resolve("control.sock"), out = dir.resolve("up.out");
        Files.write(file, a);
        Process up = new ProcessBuilder(CliEndToEndTest.java("up", "-f", file.toString(), "--control", socket.toString()))
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        int pid = (int) up.pid();
        AtomicBoolean bursting = new AtomicBoolean();
        List<String> apiAnswers = new ArrayList<>();
        Path cgroup = null;
        try {
            awaitState(socket, up, out, "bring-up");
            cgroup = cgroupOf(pid);
            Thread api = Thread.ofVirtual().start(() -> { // POST /v1/reload while the SIGHUPs come in
                while (true) {
                    if (!bursting.get()) {
                        LockSupport.parkNanos(1_000_000);
                        if (Thread.currentThread().isInterrupted()) return;
                        continue;
                    }
                    try {
                        int code = post(socket, "/v1/reload").status();
                        if (code != 200 && code != 422) synchronized (apiAnswers) { apiAnswers.add("HTTP " + code); }
                    } catch (IOException e) {
                        synchronized (apiAnswers) { apiAnswers.add(e.toString()); }
                    }
                }
            });
            for (int round = 0; round < 20; round++) {
                bursting.set(true);
                for (int i = 0; i < 200; i++) {
                    Files.write(file, i % 2 == 0 ? b : a); // in place, truncated first, as cp does
                    Signals.kill(pid, Signals.HUP);
                }
                bursting.set(false);
                // Reloads run one at a time: once this one (which reads the file after every SIGHUP above
                // was sent) has answered, each SIGHUP handled before it has been applied, and any later one
                // reads the same file.
                Answer last = post(socket, "/v1/reload");
                assertEquals(200, last.status(), last.body());
                awaitState(socket, up, out, "round " + round);
            }
            api.interrupt();
            synchronized (apiAnswers) {
                assertEquals(List.of(), apiAnswers, "every API reload answered 200 or 422");
            }
        } finally {
            up.destroy(); // SIGTERM
            assertTrue(up.waitFor(60, TimeUnit.SECONDS), "banyan up ends on SIGTERM");
        }
        String console = Files.readString(out);
        assertEquals(0, up.exitValue(), tail(console));
        assertFalse(console.contains("Exception"), tail(console));
        assertFalse(console.contains("restarted after: killed by SIGKILL"), "nothing restarted after banyan killed it: " + tail(console));
        assertEquals(List.of(), running(tag), "no process outlives banyan (by command line)");
        assertEquals(List.of(), inGroups(servicePids), "no process outlives banyan (by process group)");
        if (cgroup != null) assertFalse(Files.exists(cgroup), "banyan's cgroup is gone: " + cgroup);
        else System.out.println("ReloadBurstIT: no cgroup v2 for banyan here; checked by command line and process group only");
    }

    /** Waits until exactly a and x are up, one process each, and nothing of y or crash runs. */
    private void awaitState(Path socket, Process up, Path out, String when) throws Exception {
        long end = System.nanoTime() + 30_000_000_000L;
        String seen = "";
        while (System.nanoTime() < end) {
            assertTrue(up.isAlive(), "banyan up died: " + tail(Files.readString(out)));
            Map<String, String> states = new TreeMap<>();
            try {
                for (JsonElement e : JsonParser.parseString(get(socket, "/v1/services").body()).getAsJsonObject().getAsJsonArray("services")) {
                    JsonObject s = e.getAsJsonObject();
                    states.put(s.get("name").getAsString(), s.get("state").getAsString());
                    if (s.has("pid") && !s.get("pid").isJsonNull() && s.get("pid").getAsInt() > 0) servicePids.add(s.get("pid").getAsInt());
                }
            } catch (IOException notYet) {
                // the socket is not there yet at bring-up
            }
            List<Long> a = running("1001" + tag), x = running("1003" + tag), y = running("1002" + tag);
            seen = states + " a=" + a + " x=" + x + " y=" + y;
            if (states.equals(Map.of("a", "up", "x", "up")) && a.size() == 1 && x.size() == 1 && y.isEmpty()) return;
            LockSupport.parkNanos(5_000_000);
        }
        fail(when + ": not the last file's state within 30 s: " + seen + "\n" + tail(Files.readString(out)));
    }

    private static String tail(String console) {
        List<String> lines = console.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    /** Processes whose command line holds text. */
    static List<Long> running(String text) {
        List<Long> out = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            try {
                if (Files.readString(Path.of("/proc/" + p.pid() + "/cmdline")).replace('\0', ' ').contains(text)) out.add(p.pid());
            } catch (IOException gone) {
                // ended meanwhile
            }
        });
        return out;
    }

    /** Processes in any of these process groups (each service leads its own). */
    static List<Long> inGroups(Set<Integer> groups) {
        List<Long> out = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            try {
                String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // state ppid pgrp ...
                if (groups.contains(Integer.parseInt(f[2]))) out.add(p.pid());
            } catch (IOException gone) {
                // ended meanwhile
            }
        });
        return out;
    }

    /** The cgroup banyan makes for its services (banyan-PID under its own), if it made one. */
    static Path cgroupOf(int pid) throws IOException {
        Set<String> lines = new HashSet<>(Files.readAllLines(Path.of("/proc/" + pid + "/cgroup")));
        for (String l : lines)
            if (l.startsWith("0::")) {
                Path p = Path.of("/sys/fs/cgroup" + l.substring(3)).resolve("banyan-" + pid);
                return Files.isDirectory(p) ? p : null;
            }
        return null;
    }

    record Answer(int status, String body) {}

    static Answer get(Path socket, String path) throws IOException {
        return exchange(socket, "GET " + path + " HTTP/1.1\r\nHost: banyan\r\nConnection: close\r\n\r\n");
    }

    static Answer post(Path socket, String path) throws IOException {
        return exchange(socket, "POST " + path + " HTTP/1.1\r\nHost: banyan\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    }

    private static Answer exchange(Path socket, String request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer buf = ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) ch.write(buf);
            InputStream in = Channels.newInputStream(ch);
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int split = all.indexOf("\r\n\r\n");
            String head = all.substring(0, Math.max(0, split)), body = split < 0 ? "" : all.substring(split + 4);
            if (head.toLowerCase().contains("transfer-encoding: chunked")) body = dechunk(body);
            return new Answer(Integer.parseInt(head.split(" ", 3)[1]), body);
        }
    }

    private static String dechunk(String s) {
        StringBuilder out = new StringBuilder();
        for (int at = 0; at < s.length(); ) {
            int eol = s.indexOf("\r\n", at);
            int n = Integer.parseInt(s.substring(at, eol).split(";")[0].trim(), 16);
            if (n == 0) break;
            out.append(s, eol + 2, eol + 2 + n);
            at = eol + 2 + n + 2;
        }
        return out.toString();
    }
}

package banyan.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The real `banyan` command, as a separate process, against a `banyan up` in another process. */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.MethodName.class)
class CliEndToEndTest {
    static Path dir, socket;
    static Process up;

    record Run(int code, String out, String err) {}

    static List<String> java(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dbanyan.exec=" + System.getProperty("banyan.exec"),
                "-cp", System.getProperty("java.class.path"), "banyan.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static Run banyan(String... args) throws Exception {
        Process p = new ProcessBuilder(java(args)).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @BeforeAll
    static void startStack() throws Exception {
        dir = Files.createTempDirectory("banyan-cli");
        socket = dir.resolve("control.sock");
        Files.writeString(dir.resolve("banyan.toml"), """
                log_dir = "%s"
                [service.sleeper]
                command = ["sleep", "600"]
                [service.echoer]
                command = "echo hello from echoer; echo oops >&2; exec sleep 600"
                """.formatted(dir.resolve("log")));
        up = new ProcessBuilder(java("up", "-f", dir.resolve("banyan.toml").toString(), "--control", socket.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("up.out").toFile()).start();
        Run wait = banyanWhenListening("wait", "echoer", "--ready", "--timeout", "20s", "--control", socket.toString());
        assertEquals(0, wait.code(), wait.err());
    }

    /** The first command may race the server's start: retry while it says "not reachable" (exit 3). */
    static Run banyanWhenListening(String... args) throws Exception {
        long end = System.nanoTime() + 30_000_000_000L;
        Run r;
        do {
            r = banyan(args);
        } while (r.code() == 3 && up.isAlive() && System.nanoTime() < end);
        return r;
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (up.isAlive()) {
            up.destroy();
            up.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void statusShowsATable() throws Exception {
        Run r = banyan("status", "--control", socket.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("NAME "), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("sleeper\\s+up\\s+yes\\s+\\d+\\s+\\S+\\s+0.*")), r.out());
    }

    @Test
    void statusJsonHasTheDesignedShape() throws Exception {
        Run r = banyan("status", "--json", "--control", socket.toString());
        assertEquals(0, r.code());
        var o = com.google.gson.JsonParser.parseString(r.out()).getAsJsonObject();
        var first = o.getAsJsonArray("services").get(0).getAsJsonObject();
        for (String f : List.of("name", "state", "ready", "pid", "restarts", "since", "exit")) assertTrue(first.has(f), f);
    }

    @Test
    void statusOfOneServiceAndWhatPicocliStillParses() throws Exception {
        Run one = banyan("status", "sleeper", "--json", "--control=" + socket);
        assertEquals(0, one.code(), one.err());
        assertEquals("sleeper", com.google.gson.JsonParser.parseString(one.out()).getAsJsonObject().get("name").getAsString());
        Run unknown = banyan("status", "nosuch", "--control", socket.toString());
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("no service named 'nosuch'"), unknown.err());
        Run two = banyan("status", "sleeper", "echoer", "--control", socket.toString());
        assertEquals(2, two.code());
        assertTrue(two.err().startsWith("banyan: ") && two.err().contains("Try 'banyan status --help'."), two.err());
    }

    @Test
    void exitCodes() throws Exception {
        Run gone = banyan("status", "--control", dir.resolve("nobody.sock").toString());
        assertEquals(3, gone.code());
        assertTrue(gone.err().contains("not reachable"), gone.err());
        Run unknown = banyan("stop", "nosuch", "--control", socket.toString());
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("no service named 'nosuch'"), unknown.err());
        assertTrue(unknown.err().contains("\nusage: banyan stop ") && unknown.err().endsWith("Try 'banyan stop --help'.\n"), unknown.err());
        assertEquals(2, banyan("signal", "sleeper", "NOTASIGNAL", "--control", socket.toString()).code());
        assertEquals(2, banyan("logs", "--control", socket.toString()).code(), "missing NAME is a usage error");
        Run reload = banyan("reload", "--control", socket.toString());
        assertEquals(0, reload.code(), reload.err());
        assertTrue(reload.out().contains("unchanged 2"), reload.out());
        Path file = dir.resolve("banyan.toml");
        String good = Files.readString(file);
        Files.writeString(file, good + "[service.typo]\ncomand = \"true\"\n");
        try {
            Run bad = banyan("reload", "--control", socket.toString());
            assertEquals(1, bad.code());
            assertTrue(bad.err().contains("comand") && bad.err().contains("unchanged"), bad.err());
        } finally {
            Files.writeString(file, good);
        }
    }

    @Test
    void stopStartRestartWait() throws Exception {
        Run stop = banyan("stop", "sleeper", "--control", socket.toString());
        assertEquals(0, stop.code(), stop.err());
        assertEquals("sleeper: down", stop.out().strip());
        Run waitReady = banyan("wait", "sleeper", "--ready", "--timeout", "300ms", "--control", socket.toString());
        assertEquals(1, waitReady.code());
        Run start = banyan("start", "sleeper", "--control", socket.toString());
        assertEquals(0, start.code(), start.err());
        assertTrue(start.out().startsWith("sleeper: up (pid "), start.out());
        Run restart = banyan("restart", "sleeper", "--control", socket.toString());
        assertEquals(0, restart.code(), restart.err());
        assertNotEquals(start.out(), restart.out(), "a new pid");
    }

    @Test
    void everyNameIsCheckedBeforeAnythingIsDone() throws Exception {
        Run before = banyan("status", "sleeper", "--json", "--control", socket.toString());
        for (String action : List.of("restart", "stop", "start")) {
            Run r = banyan(action, "sleeper", "nope", "--control", socket.toString());
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains("no service named 'nope'; nothing was done"), r.err());
            assertEquals("", r.out(), "nothing acted on, nothing reported");
        }
        Run after = banyan("status", "sleeper", "--json", "--control", socket.toString());
        assertEquals(pid(before.out()), pid(after.out()), "sleeper was not restarted");
        Run spaced = banyan("signal", "sleeper", "  9", "--control", socket.toString());
        assertEquals(2, spaced.code(), spaced.err());
        assertTrue(spaced.err().contains("'  9' is not a signal"), spaced.err());
        Run timeout = banyan("wait", "sleeper", "--timeout", " 5s", "--control", socket.toString());
        assertEquals(2, timeout.code(), timeout.err());
        assertEquals(pid(before.out()), pid(banyan("status", "sleeper", "--json", "--control", socket.toString()).out()));
    }

    static int pid(String statusJson) {
        return com.google.gson.JsonParser.parseString(statusJson).getAsJsonObject().get("pid").getAsInt();
    }

    @Test
    void logsPrintsTimestampedLinesWithTheirStream() throws Exception {
        Run r = banyan("logs", "echoer", "-n", "10", "--control", socket.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.endsWith(" out hello from echoer")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.endsWith(" err oops")), r.out());
        assertTrue(Files.readString(dir.resolve("log/echoer.log")).contains(" out hello from echoer\n"));
    }

    @Test
    void helpEverywhere() throws Exception {
        for (String c : List.of("status", "start", "stop", "restart", "signal", "logs", "wait", "reload", "shutdown", "up")) {
            Run r = banyan(c, "--help");
            assertEquals(0, r.code(), c);
            assertTrue(r.out().startsWith("Usage: banyan " + c), r.out());
        }
        Run completion = banyan("generate-completion");
        assertEquals(0, completion.code());
        assertTrue(completion.out().contains("complete -F"), "a bash completion script");
    }

    @Test
    void zzShutdownEndsBanyan() throws Exception {
        Run r = banyan("shutdown", "--control", socket.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(up.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, up.exitValue());
        assertFalse(Files.exists(socket), "the socket is removed");
        assertEquals(3, banyan("status", "--control", socket.toString()).code());
    }

    static String read(Path p) throws IOException {
        return Files.readString(p);
    }
}

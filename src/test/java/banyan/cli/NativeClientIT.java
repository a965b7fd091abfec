package banyan.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The native client (src/main/c/banyan-client.c) against the JVM client, on one real `banyan up`:
 * every shape it answers, run through it and then with BANYAN_NO_NATIVE_CLIENT=1, must give the same
 * stdout, stderr and exit code, byte for byte; and it must have answered itself (the launcher notes
 * every fall-through). Every shape it leaves to the JVM must fall through before printing anything.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.MethodName.class)
class NativeClientIT {
    static Path dir, socket, fellThrough;
    static Process up;

    record Run(int code, byte[] out, byte[] err) {
        String show() {
            return "exit " + code + "\nstdout: " + new String(out, StandardCharsets.UTF_8) + "\nstderr: " + new String(err, StandardCharsets.UTF_8);
        }
    }

    @BeforeAll
    static void startStack() throws Exception {
        dir = Files.createTempDirectory("banyan-native");
        socket = dir.resolve("control.sock");
        fellThrough = dir.resolve("fell-through");
        Files.writeString(dir.resolve("banyan.toml"), """
                log_dir = "%s"
                [service.sleeper]
                command = ["sleep", "600"]
                [service.broken]
                command = ["sh", "-c", "echo 'status: \\"quoted\\" and ünïcode  '; exit 3"]
                restart = "never"
                ready = { log = "never printed" }
                [service.slow]
                command = ["sleep", "600"]
                ready = { log = "never printed" }
                start_timeout = "1h"
                [service.teller]
                command = ["python3", "%s"]
                ready = { notify = true }
                """.formatted(dir.resolve("log"), dir.resolve("teller.py")));
        Files.writeString(dir.resolve("teller.py"), """
                import os, socket, time
                a = os.environ["NOTIFY_SOCKET"]
                s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                s.sendto("READY=1\\nSTATUS=s\u00fcr \\"q\\" \\\\ a\\tb \u2003\\n".encode(), "\\0" + a[1:] if a[0] == "@" else a)
                time.sleep(600)
                """);
        up = new ProcessBuilder(RealUp.java("up", "-f", dir.resolve("banyan.toml").toString(), "--control", socket.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("up.out").toFile()).start();
        long end = System.nanoTime() + 60_000_000_000L;
        Run r;
        do {
            r = run(false, Map.of(), "wait", "broken", "--ready", "--timeout", "20s");
        } while (r.code() == 3 && up.isAlive() && System.nanoTime() < end);
        assertEquals(1, r.code(), r.show() + Files.readString(dir.resolve("up.out")));
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (up.isAlive()) {
            up.destroy();
            if (!up.waitFor(30, TimeUnit.SECONDS)) up.destroyForcibly();
        }
    }

    static Run run(boolean nativeFirst, Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Client.command(args)).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> e = pb.environment();
        for (String k : List.of("BANYAN_CONTROL", "BANYAN_TOKEN", "BANYAN_JAVA_OPTS", "BANYAN_NO_NATIVE_CLIENT")) e.remove(k);
        e.put("BANYAN_CONTROL", socket.toString());
        e.put("BANYAN_TEST_FELL_THROUGH", fellThrough.toString());
        e.putAll(env);
        if (!nativeFirst) e.put("BANYAN_NO_NATIVE_CLIENT", "1");
        Process p = pb.start();
        var out = RealUp.drain(p.getInputStream());
        var err = RealUp.drain(p.getErrorStream());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("banyan " + String.join(" ", args) + " did not end within 60 s");
        }
        return new Run(p.exitValue(), out.get(), err.get());
    }

    /** Whether the last native run gave the command to the JVM; clears the note. */
    static boolean fellThrough() throws Exception {
        boolean was = Files.exists(fellThrough);
        Files.deleteIfExists(fellThrough);
        return was;
    }

    /** Native, then JVM; both must agree byte for byte after mask (identity but for what changes with the clock or a new pid). */
    static Run same(int code, UnaryOperator<String> mask, Map<String, String> env, String... args) throws Exception {
        Files.deleteIfExists(fellThrough);
        Run n = run(true, env, args);
        assertFalse(fellThrough(), "the native client answered " + String.join(" ", args) + " itself");
        Run j = run(false, env, args);
        String what = "banyan " + String.join(" ", args) + "\nnative: " + n.show() + "\njvm: " + j.show();
        assertEquals(code, j.code(), what);
        assertEquals(j.code(), n.code(), what);
        assertEquals(mask.apply(new String(j.out(), StandardCharsets.UTF_8)), mask.apply(new String(n.out(), StandardCharsets.UTF_8)), what);
        assertEquals(mask.apply(new String(j.err(), StandardCharsets.UTF_8)), mask.apply(new String(n.err(), StandardCharsets.UTF_8)), what);
        if (mask == IDENTITY) {
            assertArrayEquals(j.out(), n.out(), what);
            assertArrayEquals(j.err(), n.err(), what);
        }
        return n;
    }

    static final UnaryOperator<String> IDENTITY = s -> s;

    static Run same(int code, String... args) throws Exception {
        return same(code, IDENTITY, Map.of(), args);
    }

    /** A shape left to the JVM: the native client prints nothing and the JVM client runs once. */
    static void jvmOnly(Map<String, String> env, String... args) throws Exception {
        Files.deleteIfExists(fellThrough);
        Run n = run(true, env, args);
        assertTrue(fellThrough(), "banyan " + String.join(" ", args) + " falls through to the JVM: " + n.show());
        Run j = run(false, env, args);
        assertEquals(j.code(), n.code(), n.show() + j.show());
        assertEquals(new String(j.err(), StandardCharsets.UTF_8), new String(n.err(), StandardCharsets.UTF_8));
        assertEquals(clock(j.out()), clock(n.out()));
    }

    @Test
    void a_status() throws Exception {
        // the UPTIME column moves once a second: a pair that straddles a second is run again
        for (int i = 0; ; i++) {
            try {
                same(0, "status");
                same(0, "status", "sleeper");
                break;
            } catch (AssertionError e) {
                if (i == 3) throw e;
            }
        }
        Run table = same(0, "status", "broken");
        assertTrue(new String(table.out(), StandardCharsets.UTF_8).contains("\nbroken  failed  no     -    -       0  "), table.show());
        // a status text with quotes, a backslash, a tab and non-ASCII letters, ending in spaces and an em space (stripped)
        UnaryOperator<String> uptime = s -> s.replaceAll("\"uptime_seconds\":[0-9.E]+", "\"uptime_seconds\":T");
        Run text = same(0, uptime, Map.of(), "status", "--json", "teller");
        assertTrue(new String(text.out(), StandardCharsets.UTF_8).contains("\"status_text\":\"s\u00fcr \\\"q\\\" \\\\ a\\tb \u2003\""), text.show());
        for (int i = 0; ; i++) {
            try {
                Run row = same(0, "status", "teller");
                assertTrue(new String(row.out(), StandardCharsets.UTF_8).endsWith(" s\u00fcr \"q\" \\ a\tb\n"), row.show());
                break;
            } catch (AssertionError e) {
                if (i == 3) throw e;
            }
        }
        same(0, uptime, Map.of(), "status", "--json");
        same(0, "status", "broken", "--json");
        same(0, "status", "--control", socket.toString(), "slow");
        same(0, "status", "--control=" + socket, "--json", "slow");
        same(0, "status", "--control", dir + "//control.sock/", "slow");
    }

    @Test
    void b_errors() throws Exception {
        same(2, "status", "nope");
        same(2, "status", "a b");
        same(2, "status", "x?y*z");
        same(3, "status", "--control", dir.resolve("missing.sock").toString());
        same(3, "status", "--control", dir.resolve("banyan.toml").toString()); // not a socket: refused
        same(3, "wait", "sleeper", "--control", dir.resolve("banyan.toml") + "/sock");
        same(3, IDENTITY, Map.of("BANYAN_CONTROL", dir.resolve("gone.sock").toString()), "start", "sleeper");
        same(2, "wait", "nope");
        same(2, "start", "sleeper", "nope", "other");
        same(2, "stop", "sleeper", "sleeper");
        same(2, "start", "sleeper", "--timeout", "5x");
        same(2, "wait", "sleeper", "--timeout= 5s");
        same(2, "restart", "sleeper", "--timeout=101000d");
    }

    /** A server on a socket of its own that reads each request's head and answers with reply, then closes. */
    static Thread fake(Path sock, String reply) throws Exception {
        var server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        server.bind(java.net.UnixDomainSocketAddress.of(sock));
        return Thread.ofVirtual().start(() -> {
            try (server) {
                while (true) {
                    try (var c = server.accept()) {
                        var in = new java.io.ByteArrayOutputStream();
                        var buf = java.nio.ByteBuffer.allocate(4096);
                        while (!whole(in.toString(StandardCharsets.ISO_8859_1)) && c.read(buf.clear()) > 0)
                            in.write(buf.array(), 0, buf.position());
                        c.write(java.nio.ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8)));
                    }
                }
            } catch (java.io.IOException e) {
                // closed by the test
            }
        });
    }

    /** The head and the Content-Length bytes after it: the JVM client writes the body after the head, and fails on a closed socket. */
    static boolean whole(String request) {
        int end = request.indexOf("\r\n\r\n");
        if (end < 0) return false;
        var length = java.util.regex.Pattern.compile("(?i)\r\ncontent-length: *([0-9]+)").matcher(request.substring(0, end));
        return request.length() - end - 4 >= (length.find() ? Integer.parseInt(length.group(1)) : 0);
    }

    @Test
    void b_lostAndNotHttp() throws Exception {
        Path closes = dir.resolve("closes.sock"), garbage = dir.resolve("garbage.sock"), headless = dir.resolve("headless.sock");
        Path nullError = dir.resolve("null-error.sock"), numberError = dir.resolve("number-error.sock"), busy = dir.resolve("busy.sock");
        List<Thread> servers = List.of(fake(closes, ""), fake(garbage, "SSH-2.0-OpenSSH_9.2\r\n"), fake(headless, "HTTP/1.1 200 OK\r\n"),
                fake(nullError, "HTTP/1.1 500 Server Error\r\nContent-Length: 15\r\n\r\n{\"error\":null}\n"),
                fake(numberError, "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"e\r\na\r\nrror\": 42}\r\n0\r\n\r\n"),
                fake(busy, "HTTP/1.1 503 Busy\r\nContent-Length: 21\r\n\r\n{\"error\": \"all busy\"}"));
        try {
            same(1, "status", "--control", nullError.toString());
            same(1, "start", "x", "--control", nullError.toString());
            same(2, "wait", "x", "--control", numberError.toString());
            same(3, "stop", "x", "--control", busy.toString());
            same(3, "status", "--control", closes.toString());
            same(3, "wait", "x", "--control", garbage.toString());
            same(3, "stop", "x", "--control", garbage.toString());
            same(3, "restart", "x", "--control", headless.toString());
        } finally {
            servers.forEach(Thread::interrupt);
        }
    }

    @Test
    void c_wait() throws Exception {
        same(0, "wait", "sleeper", "--ready");
        same(1, "wait", "--ready", "broken");
        same(0, "wait", "broken");
        same(1, "wait", "slow", "--ready", "--timeout", "300ms");
        same(1, "wait", "slow", "--timeout=0.2s");
        same(1, "wait", "slow", "--timeout", "0s");
    }

    @Test
    void d_actions() throws Exception {
        same(0, "start", "sleeper");
        same(1, "start", "broken");
        same(1, "start", "sleeper", "broken", "--timeout", "30s");
        same(1, "start", "slow", "--timeout", "400ms");
        same(0, "start", "--no-wait", "sleeper");
        UnaryOperator<String> pid = s -> s.replaceAll("pid [0-9]+", "pid N");
        same(0, pid, Map.of(), "restart", "sleeper", "--timeout=1m30s");
        same(0, "stop", "sleeper");
        same(0, "stop", "sleeper", "--no-wait");
        same(0, "status", "sleeper");
        same(0, "start", "sleeper");
    }

    @Test
    void e_fallsThroughBeforePrintingAnything() throws Exception {
        Map<String, String> none = Map.of();
        jvmOnly(none, "status", "--help");
        jvmOnly(none, "start", "-h");
        jvmOnly(none, "start");
        jvmOnly(none, "wait", "a", "b");
        jvmOnly(none, "status", "a", "b");
        jvmOnly(none, "status", "--json", "--json");
        jvmOnly(none, "start", "sleeper", "--json");
        jvmOnly(none, "stop", "@args");
        jvmOnly(none, "status", "--control", "http://127.0.0.1:1");
        jvmOnly(none, "status", "--token-file", dir.resolve("nope").toString());
        jvmOnly(none, "status", "--timeout", "1s");
        jvmOnly(none, "wait", "sleeper", "--timeout");
        jvmOnly(none, "status", "--", "broken");
        jvmOnly(none, "status", "");
        jvmOnly(none, "status", "s\u00e9rvice");
        jvmOnly(Map.of("BANYAN_TOKEN", "t"), "status");
        jvmOnly(Map.of("BANYAN_JAVA_OPTS", "-Xint"), "status", "broken");
        jvmOnly(Map.of("BANYAN_CONTROL", "http://127.0.0.1:1"), "status");
    }

    /**
     * Random argument lists of the five commands from words that the native parser treats in different
     * ways: whatever the native client does with one (answer, or fall through), the output is the JVM's.
     * Only services whose answers do not change between two calls (broken fails at once; nope is unknown).
     */
    /** Without what changes from one call to the next: the uptime of a running service (a_status compares the padding exactly). */
    static String clock(byte[] out) {
        return new String(out, StandardCharsets.UTF_8).replaceAll("\"uptime_seconds\":[0-9.E]+", "\"uptime_seconds\":T")
                .replaceAll("(?m)^(\\S+ +up +yes +[0-9]+ +)[0-9]+[dhms]([0-9]+[hms])? +", "$1T ").replaceAll(" +", " ");
    }

    @Test
    void g_randomShapesGiveWhatTheJvmGives() throws Exception {
        long seed = System.nanoTime();
        System.out.println("g_randomShapesGiveWhatTheJvmGives: seed " + seed);
        java.util.Random random = new java.util.Random(seed);
        String[] verbs = {"status", "start", "stop", "restart", "wait"};
        String[] plain = {"broken", "nope", "a b", "--json", "--ready", "--no-wait", "--timeout=300ms", "--timeout 1x", "--control " + socket,
                "--control=" + socket, "--timeout 0.3s"};
        String[] odd = {"--timeout", "300ms", "--control", "--", "-h", "@x", "", "-", "--control=", "--jsonx", "--json=true"};
        int answered = 0;
        for (int round = 0; round < 40; round++) {
            List<String> args = new java.util.ArrayList<>(List.of(verbs[random.nextInt(verbs.length)]));
            for (int n = random.nextInt(5); n > 0; n--) {
                String w = random.nextInt(5) > 0 ? plain[random.nextInt(plain.length)] : odd[random.nextInt(odd.length)];
                args.addAll(w.startsWith("--control ") || w.startsWith("--timeout ") ? List.of(w.split(" ", 2)) : List.of(w));
            }
            String[] a = args.toArray(String[]::new);
            Files.deleteIfExists(fellThrough);
            Run n = run(true, Map.of(), a);
            boolean native_ = !fellThrough();
            if (native_) answered++;
            Run j = run(false, Map.of(), a);
            String what = "seed " + seed + ": banyan " + String.join(" ", args) + (native_ ? " (native)" : " (fell through)") + "\nnative: " + n.show() + "\njvm: " + j.show();
            assertEquals(j.code(), n.code(), what);
            assertEquals(clock(j.out()), clock(n.out()), what);
            assertArrayEquals(j.err(), n.err(), what);
        }
        System.out.println("g_randomShapesGiveWhatTheJvmGives: the native client answered " + answered + " of 40");
    }

    @Test
    void f_argumentsOfTheNativeClientItself() throws Exception {
        Process p = new ProcessBuilder(Client.NATIVE.toString()).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), said);
        assertTrue(said.startsWith("usage: banyan-client LAUNCHER COMMAND"), said);
    }
}

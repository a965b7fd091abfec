package banyan.cli;

import banyan.os.Signals;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Bad configurations through the real command (issue 17): `up` and `init` exit 2 with the place and
 * no trace, and a running `up` answers a bad reload with 422 JSON or a located message on SIGHUP,
 * keeping its services. The JVM gets banyan's own heap bound, so a file read whole would exhaust it.
 */
class BadConfigEndToEndTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    /** banyan with args in cwd; a run that does not end within the guard is killed and fails the test. */
    Run banyan(Path cwd, String... args) throws Exception {
        List<String> cmd = CliEndToEndTest.java(args);
        cmd.add(1, "-Xmx128m");
        Path out = Files.createTempFile(dir, "out", ""), err = Files.createTempFile(dir, "err", "");
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            fail("banyan " + String.join(" ", args) + " hung; it printed: " + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    Path fifo(String name) throws Exception {
        Path p = dir.resolve(name);
        assertEquals(0, new ProcessBuilder("mkfifo", p.toString()).inheritIO().start().waitFor());
        return p;
    }

    static void assertNoTrace(String printed) {
        assertFalse(printed.contains("\tat ") || printed.contains("Exception") || printed.contains("Error:"), printed);
    }

    void assertRefused(String expected, Run r) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertTrue(r.err().contains("nothing was started"), r.err());
        assertNoTrace(r.err() + r.out());
    }

    void assertUpRefuses(String expected, Path file) throws Exception {
        assertRefused(expected, banyan(dir, "up", "-f", file.toString(), "--control", dir.resolve("c.sock").toString()));
    }

    static String deep() {
        return "[service.a]\ncommand = \"true\"\nenv = " + "{a=".repeat(3000) + "1" + "}".repeat(3000) + "\n";
    }

    @Test
    void upAndInitRefuseBadFilesWithTheirPlace() throws Exception {
        Path deep = write("deep.toml", deep());
        assertUpRefuses(deep + ":3:55: arrays and inline tables nest more than 16 levels", deep);
        assertRefused(deep + ":3:55: arrays", banyan(dir, "init", "--container", "-f", deep.toString(),
                "--control", dir.resolve("c.sock").toString()));
        Path brackets = write("brackets.toml", "x = " + "[".repeat(3000));
        assertUpRefuses(brackets + ":1:21: arrays", brackets);
        assertUpRefuses("/dev/zero: is a character device, not a regular file", Path.of("/dev/zero"));
        Path fifo = fifo("fifo.toml");
        assertUpRefuses(fifo + ": is a FIFO (named pipe), not a regular file", fifo);
        Path env = write("env.toml", "[service.a]\ncommand = \"true\"\nenv_file = \"/dev/zero\"\n");
        assertUpRefuses(env + ":3:1: service.a.env_file: /dev/zero: is a character device", env);
        Path user = write("user.toml", "[service.a]\ncommand = \"true\"\nuser = \"99999999999999\"\n");
        assertUpRefuses(user + ":3:1: service.a.user: uid 99999999999999 is out of range", user);
        Path oneshot = write("oneshot.toml", "[service.a]\ntype = \"oneshot\"\ncommand = \"true\"\nstop_command = []\n");
        assertUpRefuses(oneshot + ":4:1: service.a.stop_command: is an empty array", oneshot);
        Path boot = write("boot.toml", "[boot]\ntarget = \"zz\"\n[service.a]\ncommand = \"true\"\n[target.default]\nrequires = [\"a\"]\n");
        assertUpRefuses(boot + ":2:1: boot.target: no [target.zz]", boot);
        Path utf8 = dir.resolve("utf8.toml");
        Files.write(utf8, new byte[] {'[', 's', 'e', 'r', 'v', 'i', 'c', 'e', '.', 'a', ']', '\n', 'x', '=', (byte) 0xff});
        assertUpRefuses(utf8 + ":2:3: is not UTF-8 text", utf8);
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Run noName = banyan(empty, "up", "-f", "", "--control", dir.resolve("c.sock").toString());
        assertRefused("the configuration's name is empty; pass -f FILE", noName);
        assertFalse(noName.err().startsWith(":"), noName.err());
    }

    // ---- a running `up`: reload over the API, `banyan reload`, and SIGHUP ----

    record Answer(int status, String head, String body) {}

    static Answer post(Path socket, String path) throws Exception {
        return assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(socket));
                ch.write(ByteBuffer.wrap(("POST " + path + " HTTP/1.1\r\nHost: banyan\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8)));
                String all = new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
                int split = all.indexOf("\r\n\r\n");
                return new Answer(Integer.parseInt(all.split(" ", 3)[1]), all.substring(0, split), all.substring(split + 4));
            }
        });
    }

    static String get(Path socket, String path) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.1\r\nHost: banyan\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8)));
            String all = new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
            return all.substring(all.indexOf("\r\n\r\n") + 4);
        }
    }

    /** A reload of the current file is refused with 422 and JSON whose error names expected. */
    static void assertReload422(Path socket, String expected) throws Exception {
        Answer a = post(socket, "/v1/reload");
        assertEquals(422, a.status(), a.head() + "\n" + a.body());
        assertTrue(a.head().toLowerCase().contains("content-type: application/json"), a.head());
        JsonObject o = JsonParser.parseString(a.body()).getAsJsonObject();
        String error = o.get("error").getAsString();
        assertTrue(error.contains(expected) && error.contains("the running stack is unchanged"), error);
        assertNoTrace(error);
    }

    /** What a process prints, gathered by a reader thread; await blocks until a text shows up or the process ends. */
    static final class Output {
        private final StringBuilder text = new StringBuilder(); // guarded by this
        private boolean ended;

        Output(Process p) {
            Thread.ofVirtual().start(() -> {
                try (var r = p.inputReader(StandardCharsets.UTF_8)) {
                    for (String line; (line = r.readLine()) != null; ) add(line + "\n");
                } catch (IOException e) {
                    add("reading the output failed: " + e + "\n");
                }
                synchronized (this) {
                    ended = true;
                    notifyAll();
                }
            });
        }

        private synchronized void add(String line) {
            text.append(line);
            notifyAll();
        }

        synchronized String await(String wanted) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!text.toString().contains(wanted)) {
                long left = end - System.nanoTime();
                assertTrue(left > 0 && !ended, "no '" + wanted + "' in:\n" + text);
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return text.toString();
        }

        synchronized String all() {
            return text.toString();
        }
    }

    @Test
    void aRunningUpRejectsBadReloadsAndKeepsItsServices() throws Exception {
        Path file = dir.resolve("banyan.toml"), socket = dir.resolve("control.sock");
        String good = "log_dir = \"" + dir.resolve("log") + "\"\n[service.sleeper]\ncommand = [\"sleep\", \"600\"]\n";
        Files.writeString(file, good);
        List<String> cmd = CliEndToEndTest.java("up", "-f", file.toString(), "--control", socket.toString());
        cmd.add(1, "-Xmx128m");
        Process up = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Output out = new Output(up);
        try {
            out.await("up: 1 of 1 ready");
            String before = get(socket, "/v1/services/sleeper");
            int pid = JsonParser.parseString(before).getAsJsonObject().get("pid").getAsInt();

            Files.writeString(file, "log_dir = \"" + dir.resolve("log") + "\"\n" + deep());
            assertReload422(socket, file + ":4:55: arrays and inline tables nest more than 16 levels");
            Files.writeString(file, good + "env_file = \"/dev/zero\"\n");
            assertReload422(socket, file + ":4:1: service.sleeper.env_file: /dev/zero: is a character device");
            Files.writeString(file, good + "user = \"99999999999999\"\n");
            assertReload422(socket, "service.sleeper.user: uid 99999999999999 is out of range");
            Files.delete(file);
            fifo("banyan.toml");
            assertReload422(socket, file + ": is a FIFO (named pipe), not a regular file");
            Files.delete(file);

            Files.writeString(file, "log_dir = \"" + dir.resolve("log") + "\"\n" + deep());
            Run cli = banyan(dir, "reload", "--control", socket.toString());
            assertEquals(1, cli.code(), cli.err());
            assertTrue(cli.err().contains(file + ":4:55: arrays"), cli.err());
            assertNoTrace(cli.err());

            Signals.kill((int) up.pid(), Signals.HUP);
            String printed = out.await("reload rejected");
            assertTrue(printed.contains(file + ":4:55: arrays and inline tables nest more than 16 levels"), printed);
            assertNoTrace(printed);
            assertEquals(pid, JsonParser.parseString(get(socket, "/v1/services/sleeper")).getAsJsonObject().get("pid").getAsInt(),
                    "the service kept running through every rejected reload");

            Files.writeString(file, good);
            assertEquals(202, post(socket, "/v1/shutdown").status());
            assertTrue(up.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, up.exitValue(), out.all());
        } finally {
            if (up.isAlive()) up.destroyForcibly().waitFor();
        }
    }
}

package banyan.imports;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.*;

/** What the side-by-side runs share: a test program, the banyan command, and waits on conditions. */
final class SideBySide {
    private SideBySide() {}

    /**
     * svc.py NAME STATE_DIR [PORT]: records its pid in STATE_DIR/NAME.pid (atomically), listens on PORT if given,
     * writes a newline on fd $READY_FD once it does (s6's readiness), prints "NAME started PID", then waits.
     */
    static final String SVC = """
            import os, socket, sys, time
            name, state = sys.argv[1], sys.argv[2]
            if len(sys.argv) > 3:
                s = socket.socket()
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", int(sys.argv[3])))
                s.listen(16)
            tmp = os.path.join(state, name + ".pid.tmp")
            with open(tmp, "w") as f:
                f.write(str(os.getpid()))
            os.rename(tmp, os.path.join(state, name + ".pid"))
            if os.environ.get("READY_FD"):
                os.write(int(os.environ["READY_FD"]), b"\\n")
            print(name, "started", os.getpid(), flush=True)
            while True:
                if len(sys.argv) > 3:
                    c, _ = s.accept()
                    c.close()
                else:
                    time.sleep(3600)
            """;

    static Path write(Path file, String text, boolean executable) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        if (executable) Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The pid a program wrote in STATE/NAME.pid, when that process is alive. */
    static OptionalLong live(Path state, String name) {
        try {
            long pid = Long.parseLong(Files.readString(state.resolve(name + ".pid")).strip());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isPresent() ? OptionalLong.of(pid) : OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Polls a condition (a short pause between tries, no fixed wait) until it holds or the deadline passes. */
    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) fail("timed out after " + timeout.toSeconds() + "s waiting for " + what);
            Thread.sleep(20);
        }
    }

    /** Kills the program NAME with SIGKILL and waits until its supervisor has started a new one (and it listens again). */
    static void killAndSeeItBack(String side, Path state, String name, int port) throws InterruptedException {
        long before = live(state, name).orElseThrow(() -> new AssertionError(side + ": " + name + " is not running"));
        ProcessHandle.of(before).ifPresent(ProcessHandle::destroyForcibly); // absent: it died by itself meanwhile, and must come back all the same
        await(side + ": " + name + " restarted after SIGKILL", Duration.ofSeconds(30), () -> {
            OptionalLong now = live(state, name); // read once: a process that dies between two reads must not throw
            return now.isPresent() && now.getAsLong() != before && (port == 0 || listening(port));
        });
    }

    /** `banyan ARGS` in a JVM of its own, as a user runs it. */
    static Process banyan(Path dir, Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dbanyan.exec=" + System.getProperty("banyan.exec"),
                "-cp", System.getProperty("java.class.path"), "banyan.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    /** `banyan up -f TOML` with its own control socket, its console in DIR/console.log. */
    static Process up(Path dir, Path toml) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dbanyan.exec=" + System.getProperty("banyan.exec"),
                "-cp", System.getProperty("java.class.path"), "banyan.cli.Main",
                "up", "-f", toml.toString(), "--control", dir.resolve("control.sock").toString()));
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("console.log").toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    }

    /** `banyan import KIND PATH` with env: its stdout, after checking it exited 0 and said nothing on stderr. */
    static String importWith(Path dir, Map<String, String> env, String kind, Path path) throws Exception {
        Process p = banyan(dir, env, "import", kind, path.toString());
        p.getOutputStream().close();
        var err = p.getErrorStream();
        String out = new String(p.getInputStream().readAllBytes());
        String errors = new String(err.readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "import did not end");
        assertEquals(0, p.exitValue(), errors);
        assertEquals("", errors, "the import loads as it is");
        return out;
    }

    /** SIGTERM to a process this test started, then its end (SIGKILL after the timeout, so nothing is left behind). */
    static void stop(Process p, Duration timeout) throws InterruptedException {
        if (p == null) return;
        p.destroy();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
            fail(p.info().command().orElse("process") + " did not stop within " + timeout.toSeconds() + "s of SIGTERM");
        }
    }

    /** Ends, by pid, what a side's programs recorded and left running (only processes this test started). */
    static List<Long> leftovers(Path state, List<String> names) {
        List<Long> left = new ArrayList<>();
        for (String n : names) live(state, n).ifPresent(pid -> {
            left.add(pid);
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        });
        return left;
    }

    /** Where a program is installed; null when it is not. */
    static Path which(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
            if (Files.isExecutable(Path.of(d, program))) return Path.of(d, program);
        return null;
    }
}

package banyan.cli;

import java.io.File;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A real `banyan up` in its own JVM serving its unix socket and a TCP listener with a token, and the
 * real `banyan` client run as separate processes against it.
 */
final class RealUp implements AutoCloseable {
    static final String TOKEN = "t0ken-for-tests-" + ProcessHandle.current().pid();

    record Run(int code, String out, String err) {}

    final Path dir, socket, tokenFile;
    final int port;
    final Process up;

    RealUp(String services) throws Exception {
        dir = Files.createTempDirectory("banyan-remote");
        socket = dir.resolve("control.sock");
        tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, TOKEN + "\n");
        Files.writeString(dir.resolve("banyan.toml"), "log_dir = \"" + dir.resolve("log") + "\"\n" + services);
        try (ServerSocket free = new ServerSocket(0)) { // a port nobody uses now; banyan binds it a moment later
            port = free.getLocalPort();
        }
        up = new ProcessBuilder(java("up", "-f", dir.resolve("banyan.toml").toString(), "--control", socket.toString(),
                "--listen", "127.0.0.1:" + port, "--token-file", tokenFile.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("up.out").toFile()).start();
        long end = System.nanoTime() + 60_000_000_000L;
        Run r;
        do {
            r = banyan(Map.of(), "status", "--control", socket.toString());
        } while (r.code() == 3 && up.isAlive() && System.nanoTime() < end);
        assertEquals(0, r.code(), "banyan up answers: " + r.err() + Files.readString(dir.resolve("up.out")));
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    static List<String> java(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dbanyan.exec=" + System.getProperty("banyan.exec"),
                "-cp", System.getProperty("java.class.path"), "banyan.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The client with env added to this one's (BANYAN_CONTROL and BANYAN_TOKEN removed unless given); killed after 60 s. */
    static Run banyan(Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(java(args)).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().remove("BANYAN_CONTROL");
        pb.environment().remove("BANYAN_TOKEN");
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<byte[]> out = drain(p.getInputStream()), err = drain(p.getErrorStream());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("banyan " + String.join(" ", args) + " did not end within 60 s");
        }
        return new Run(p.exitValue(), new String(out.get(), StandardCharsets.UTF_8), new String(err.get(), StandardCharsets.UTF_8));
    }

    static CompletableFuture<byte[]> drain(java.io.InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return in.readAllBytes();
            } catch (java.io.IOException e) {
                return new byte[0];
            }
        }, r -> Thread.ofVirtual().start(r));
    }

    @Override
    public void close() throws Exception {
        if (up.isAlive()) {
            up.destroy();
            if (!up.waitFor(30, TimeUnit.SECONDS)) up.destroyForcibly();
        }
    }
}

package banyan.supervise;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Spawns that fail with EAGAIN for real: the process limit (RLIMIT_NPROC) of the user that
 * banyan runs as is used up by other processes of that user. The kernel checks that limit only
 * for a real uid other than 0 that has neither CAP_SYS_RESOURCE nor CAP_SYS_ADMIN, so banyan
 * runs with a real uid of its own, no CAP_SYS_ADMIN, and effective uid 0 (to read the build).
 */
class SpawnShortageIT {
    static final Duration LIMIT = Duration.ofSeconds(30);
    /** Enough for banyan's JVM (about 30 threads) and its service; the filler takes the rest. */
    static final int NPROC = 150;

    @TempDir
    Path dir;

    /** Forks (as the same user, under the same limit) until fork says EAGAIN, says so, holds its children; TERM ends them all. */
    static final String FILLER = """
            $| = 1;
            my @kids;
            sub more { my $p = fork; if (!defined $p) { return 0 if $!{EAGAIN}; die "fork: $!\\n" }
                       if ($p == 0) { sleep 1000 while 1; exit 0 } push @kids, $p; return 1 }
            while (@kids < %d && more()) {}
            print "full ", scalar(@kids), "\\n";
            $SIG{TERM} = sub { kill 'KILL', @kids; waitpid($_, 0) for @kids; exit 0 };
            # a slot freed meanwhile (a thread of banyan's JVM that ends) is taken again at once
            while (1) { select(undef, undef, undef, 0.005); more() if @kids < %d }
            """.formatted(NPROC, NPROC);

    @Test
    void aSpawnRefusedForWantOfProcessesIsRetriedAndTheServiceNeverFails() throws Exception {
        boolean ready = Harness.root() && Stream.of("setpriv", "prlimit", "perl").allMatch(SpawnShortageIT::installed);
        String why = "needs root and setpriv, prlimit and perl: a real uid other than 0 is set to meet RLIMIT_NPROC";
        if (System.getenv("CI") != null) assertTrue(ready, why);
        if (!ready) System.out.println("SpawnShortageIT skipped: " + why);
        assumeTrue(ready, why);
        // banyan's real uid is not root: access(2), which Files.isReadable and isExecutable use, checks that one
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        int uid = 2_000_000_000 + (int) (ProcessHandle.current().pid() % 1_000_000); // no other process has it: only ours count
        Path config = Files.writeString(dir.resolve("banyan.toml"), """
                log_dir = "%s"

                [service.worker]
                command = ["sleep", "1000"]
                max_restarts = 1
                restart_window = "1m"
                """.formatted(dir.resolve("logs")));
        Path socket = dir.resolve("control.sock");
        List<String> cmd = new ArrayList<>(List.of("prlimit", "--nproc=" + NPROC + ":" + NPROC,
                "setpriv", "--ruid=" + uid, "--bounding-set=-sys_admin",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:-UsePerfData",
                "--enable-native-access=ALL-UNNAMED", "-Dbanyan.exec=" + System.getProperty("banyan.exec"),
                "-cp", System.getProperty("java.class.path"), "banyan.cli.Main", "up", "-f", config.toString(), "--control", socket.toString()));
        Process banyan = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        Process filler = null;
        Lines out = new Lines(banyan);
        try {
            out.await(l -> l.contains("worker * down -> up pid="), 1, LIMIT);
            assertTrue(http(socket, "POST", "/v1/services/worker/stop?wait=10s").startsWith("HTTP/1.1 200"), out.toString());

            filler = new ProcessBuilder("prlimit", "--nproc=" + NPROC + ":" + NPROC, "setpriv", "--reuid=" + uid, "--regid=" + uid,
                    "--clear-groups", "perl", "-e", FILLER).redirectErrorStream(true).start();
            String full = new BufferedReader(new InputStreamReader(filler.getInputStream())).readLine();
            assertNotNull(full, "the filler ended before the limit was reached");
            assertTrue(full.startsWith("full "), full);

            http(socket, "POST", "/v1/services/worker/start");
            // max_restarts = 1: were a refused spawn a death, the second would put the service in failed
            out.await(l -> l.contains("worker * ") && l.contains(" -> backoff") && l.contains("Resource temporarily unavailable"), 3, LIMIT);
            String status = http(socket, "GET", "/v1/services/worker");
            assertTrue(status.contains("\"state\":\"backoff\"") && status.contains("Resource temporarily unavailable"), status);
            assertEquals(0, out.count(l -> l.contains("-> failed")), out.toString());

            filler.destroy(); // SIGTERM: it kills and reaps what it holds, so the user's count falls
            assertTrue(filler.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS));
            out.await(l -> l.contains("worker * backoff -> up pid="), 1, LIMIT);
            assertEquals(0, out.count(l -> l.contains("-> failed")), out.toString());
        } finally {
            if (filler != null) {
                filler.descendants().forEach(ProcessHandle::destroyForcibly);
                filler.destroyForcibly().waitFor();
            }
            banyan.destroy();
            if (!banyan.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)) banyan.destroyForcibly();
        }
        assertEquals(0, banyan.exitValue(), out.toString());
    }

    private static boolean installed(String program) {
        return Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, program)));
    }

    /** One request over the control socket with Connection: close; the whole answer. */
    private static String http(Path socket, String method, String path) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer b = ByteBuffer.wrap((method + " " + path + " HTTP/1.1\r\nHost: banyan\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) ch.write(b);
            return new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The lines banyan prints, read as they come, echoed for a failing run. */
    static final class Lines {
        private final List<String> lines = new ArrayList<>();

        Lines(Process p) {
            Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        System.out.println("banyan | " + l);
                        synchronized (this) {
                            lines.add(l);
                            notifyAll();
                        }
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            });
        }

        synchronized long count(Predicate<String> p) {
            return lines.stream().filter(p).count();
        }

        /** Waits until n lines match. */
        synchronized void await(Predicate<String> p, int n, Duration limit) throws InterruptedException {
            long end = System.nanoTime() + limit.toNanos();
            while (count(p) < n) {
                long left = end - System.nanoTime();
                if (left <= 0) throw new AssertionError(n + " such line(s) expected within " + limit + ":\n" + String.join("\n", lines));
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        @Override
        public synchronized String toString() {
            return String.join("\n", lines);
        }
    }
}

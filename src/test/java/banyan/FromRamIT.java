package banyan;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Running from RAM (docs/core.md) with the release as a user gets it: banyan init as PID 1 of a
 * PID namespace, started from a release on a loop-mounted ext4 image, must hold nothing of the
 * image once booted, so that the image unmounts (not lazily) under a running service; and
 * `up --from-ram` runs the example stack where no JDK and no Maven can be seen.
 */
@Tag("release")
class FromRamIT {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @TempDir
    static Path tmp;
    static Path tarball, client;

    @BeforeAll
    static void release() throws Exception {
        ReleaseBuild.target(); // skips before package, saying why
        if (!"root".equals(System.getProperty("user.name"))) {
            if ("true".equals(System.getenv("CI"))) fail("CI=true but not root: running from RAM needs mounts, loop devices and namespaces");
            System.out.println("skipping: running from RAM needs root (mounts, a loop device, PID namespaces)");
            Assumptions.assumeTrue(false, "needs root");
        }
        tarball = ReleaseBuild.tarball();
        Path clients = Files.createDirectories(tmp.resolve("client"));
        assertEquals(0, run(List.of("tar", "-xzf", tarball.toString(), "-C", clients.toString())).code);
        client = clients.resolve("banyan-" + ReleaseBuild.version() + "/bin/banyan");
    }

    @Test
    void initStartedFromAnImageHoldsNothingOfItAndTheImageUnmountsUnderARunningService() throws Exception {
        Path image = tmp.resolve("release.ext4"), mnt = Files.createDirectories(tmp.resolve("image")), logs = Files.createDirectories(tmp.resolve("logs"));
        assertEquals(0, run(List.of("truncate", "-s", "256M", image.toString())).code);
        Result mkfs = run(List.of("mkfs.ext4", "-q", "-F", image.toString()));
        assertEquals(0, mkfs.code, mkfs.out);
        Path config = tmp.resolve("init.toml"), socket = tmp.resolve("init.sock"), out = tmp.resolve("init.out");
        Files.writeString(config, "log_dir = \"" + logs + "\"\n[service.keeper]\ncommand = [\"sleep\", \"100000\"]\n");
        String launcher = "./banyan-" + ReleaseBuild.version() + "/bin/banyan";
        // PID 1 starts in the image (its cwd there too), from the release on the image
        String script = "set -e; mount -o loop \"$1\" \"$2\"; tar -xzf \"$3\" -C \"$2\"; cd \"$2\"; exec " + launcher
                + " init -f \"$4\" --control \"$5\"";
        Process unshare = new ProcessBuilder("unshare", "--pid", "--fork", "--mount-proc", "--propagation", "private", "sh", "-c", script, "sh",
                image.toString(), mnt.toString(), tarball.toString(), config.toString(), socket.toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            long pid = pid1(unshare, out);
            Result up = waitForUp(socket, "keeper", out, unshare);
            String keeper = field(up.out, "keeper", 3);
            String said = Files.readString(out);
            assertTrue(said.contains("copied into /run/banyan/core"), said);
            assertTrue(said.contains("banyan init as pid 1"), said);

            Path proc = Path.of("/proc", Long.toString(pid));
            List<String> mapped = new ArrayList<>();
            for (String line : Files.readAllLines(proc.resolve("maps"))) {
                String[] f = line.trim().split("\\s+", 6);
                if (f.length == 6 && f[5].startsWith("/")) mapped.add(f[5]);
            }
            assertFalse(mapped.isEmpty());
            for (String m : mapped) assertTrue(m.startsWith("/run/banyan/core/"), "PID 1 maps " + m + ", which is not in the core");
            try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
                for (Path fd : fds.toList()) {
                    String to = Files.readSymbolicLink(fd).toString();
                    assertFalse(to.startsWith(mnt.toString()), "PID 1 holds " + fd + " -> " + to + " on the image");
                    assertFalse(to.startsWith("/usr/"), "PID 1 holds " + fd + " -> " + to);
                }
            }
            assertEquals(Path.of("/"), Files.readSymbolicLink(proc.resolve("cwd")), "PID 1's working directory was moved");
            assertEquals(Path.of("/"), Files.readSymbolicLink(proc.resolve("root")));
            assertEquals(Path.of("/run/banyan/core/sys/ld.so"), Files.readSymbolicLink(proc.resolve("exe")));

            // the image, with the release PID 1 was started from, goes away for real while the service runs
            Result umount = run(List.of("nsenter", "--target", Long.toString(pid), "--mount", "--", "umount", mnt.toString()));
            assertEquals(0, umount.code, "umount (not lazy) of the image: " + umount.out);
            Result gone = run(List.of("nsenter", "--target", Long.toString(pid), "--mount", "--", "ls", mnt.resolve(launcher).toString()));
            assertNotEquals(0, gone.code, "the release is no longer in sight of PID 1");
            Result status = run(List.of(client.toString(), "status", "--control", socket.toString()));
            assertEquals(0, status.code, status.out);
            assertEquals(keeper, field(status.out, "keeper", 3), "the same process of the service runs on");
            assertEquals("up", field(status.out, "keeper", 1), status.out);
            Result shell = run(List.of(client.toString(), "shell", "--control", socket.toString(), "--", "echo", "from the core"));
            assertEquals(0, shell.code, shell.out);
            assertTrue(shell.out.contains("from the core"), shell.out);

            Result shutdown = run(List.of(client.toString(), "shutdown", "--control", socket.toString()));
            assertEquals(0, shutdown.code, shutdown.out);
            assertTrue(unshare.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS), "init did not end after shutdown");
            assertEquals(0, unshare.exitValue(), Files.readString(out));
            System.out.println("from RAM, init: " + Files.readString(out).lines().filter(l -> l.contains("RAM")).toList());
        } finally {
            if (unshare.isAlive()) {
                unshare.destroyForcibly(); // unshare's child is PID 1 of the namespace: it dies with the namespace
                unshare.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void upFromRamRunsTheExampleStackWhereNoJdkAndNoMavenCanBeSeen() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("example")), release = Files.createDirectories(tmp.resolve("opt"));
        assertEquals(0, run(List.of("tar", "-xzf", tarball.toString(), "-C", release.toString())).code);
        Path bin = release.resolve("banyan-" + ReleaseBuild.version() + "/bin/banyan");
        Path stack = dir.resolve("banyan.toml"), socket = dir.resolve("up.sock"), out = dir.resolve("up.out");
        Files.writeString(stack, "log_dir = \"" + dir.resolve("logs") + "\"\n"
                + Files.readString(ReleaseBuild.target().getParent().resolve("examples/banyan.toml")));
        List<String> hidden = new ArrayList<>(List.of("/usr/lib/jvm", "/usr/share/maven", ReleaseBuild.target().getParent().toString(),
                Path.of(System.getProperty("user.home"), ".m2").toString(), Path.of(System.getProperty("java.home")).toRealPath().toString()));
        hidden.removeIf(h -> !Files.isDirectory(Path.of(h)));
        hidden.sort(java.util.Comparator.comparing(String::length).reversed()); // the JDK under /usr/lib/jvm before /usr/lib/jvm
        // a mount namespace with the JDKs, Maven and the sources under empty tmpfs, and a network namespace of its own (port 8080)
        String script = "set -e; for d; do mount -t tmpfs -o size=64k banyan-hidden \"$d\"; done; ip link set lo up; "
                + "! command -v java >/dev/null; ! command -v mvn >/dev/null; exec " + bin + " up --from-ram -f " + stack + " --control " + socket;
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--net", "--propagation", "private", "sh", "-c", script, "sh"));
        cmd.addAll(hidden);
        Process up = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            waitForUp(socket, "web", out, up);
            Result status = waitForUp(socket, "clock", out, up);
            assertEquals("up", field(status.out, "stubborn", 1), status.out);
            Path proc = Path.of("/proc", Long.toString(up.pid()));
            // not PID 1: a core of its own, /run/banyan/core-PID
            String core = "/run/banyan/core-" + up.pid();
            assertEquals(Path.of(core, "sys/ld.so"), Files.readSymbolicLink(proc.resolve("exe")), Files.readString(out));
            for (String line : Files.readAllLines(proc.resolve("maps"))) {
                String[] f = line.trim().split("\\s+", 6);
                if (f.length == 6 && f[5].startsWith("/")) assertTrue(f[5].startsWith(core + "/"), f[5]);
            }
            Result shutdown = run(List.of(client.toString(), "shutdown", "--control", socket.toString()));
            assertEquals(0, shutdown.code, shutdown.out);
            assertTrue(up.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS), "up did not end after shutdown");
            String said = Files.readString(out);
            assertEquals(0, up.exitValue(), said);
            assertTrue(Pattern.compile("(?m)^\\S+ clock\\s+\\| tick ").matcher(said).find(), said);
            assertFalse(said.contains("Exception"), said);
        } finally {
            if (up.isAlive()) {
                run(List.of(client.toString(), "shutdown", "--control", socket.toString()));
                up.destroyForcibly();
            }
        }
    }

    /** The pid (seen from here) of the unshare's child, PID 1 of the new namespace. */
    private static long pid1(Process unshare, Path out) throws IOException {
        long end = System.nanoTime() + LIMIT.toNanos();
        Path children = Path.of("/proc", Long.toString(unshare.pid()), "task", Long.toString(unshare.pid()), "children");
        while (true) {
            String c = Files.exists(children) ? Files.readString(children).strip() : "";
            if (!c.isEmpty()) return Long.parseLong(c.split(" ")[0]);
            if (!unshare.isAlive() || System.nanoTime() > end) fail("no PID 1 in the namespace: " + Files.readString(out));
            LockSupport.parkNanos(10_000_000);
        }
    }

    /** status, again and again, until service is up (or the limit). */
    private static Result waitForUp(Path socket, String service, Path out, Process server) throws Exception {
        long end = System.nanoTime() + LIMIT.toNanos();
        Result last = null;
        while (System.nanoTime() < end && server.isAlive()) {
            if (Files.exists(socket)) {
                last = run(List.of(client.toString(), "status", "--control", socket.toString()));
                if (last.code == 0 && "up".equals(field(last.out, service, 1))) return last;
            }
            LockSupport.parkNanos(100_000_000);
        }
        return fail(service + " not up within " + LIMIT + ": " + (last == null ? "no socket" : last.out) + "\n" + Files.readString(out));
    }

    /** Column col (0: the name) of the status line of service. */
    private static String field(String status, String service, int col) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(service) + "\\s+.*$").matcher(status);
        return m.find() ? m.group().split("\\s+")[col] : null;
    }

    record Result(int code, String out) {}

    private static Result run(List<String> cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            fail("timed out after " + LIMIT + ": " + cmd + "\n" + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out));
    }
}

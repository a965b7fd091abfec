package banyan;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * banyan as the entrypoint of a real OCI container: the release tarball (ReleaseBuild) in a bundle
 * made by src/test/sh/oci-bundle (busybox and the host's glibc, no registry, no network), run by
 * Debian's crun as user 1000 on a read-only root. /etc/banyan is the test's configuration (a
 * read-only bind) and /data a writable volume where the services write what the test reads.
 */
@Tag("release")
class OciIT {
    private static final int USER = 1000;
    private static final Duration BOOT = Duration.ofSeconds(30);
    /** docker stop and podman stop wait this long before their SIGKILL. */
    private static final Duration GRACE = Duration.ofSeconds(10);

    @TempDir
    static Path shared;
    static Path rootfs, template;
    static List<String> crun;
    private static int serial;

    @TempDir
    Path dir;
    private Container container;

    @BeforeAll
    static void bundle() throws Exception {
        ReleaseBuild.target();
        requireCrun();
        Path tarball = ReleaseBuild.tarball();
        Path bundle = shared.resolve("bundle");
        Result made = run(List.of("sh", ReleaseBuild.target().getParent().resolve("src/test/sh/oci-bundle").toString(),
                tarball.toString(), bundle.toString(), Integer.toString(USER)), Duration.ofMinutes(2));
        assertEquals(0, made.code, made.out);
        System.out.println(made.out.strip());
        rootfs = bundle.resolve("rootfs");
        template = bundle.resolve("config.json");
        Path state = shared.resolve("crun-state");
        Files.createDirectories(state);
        crun = new ArrayList<>(List.of("crun", "--root", state.toString()));
        // crun refuses a hybrid hierarchy (cgroup v1 with controllers in the v2 one): it then runs
        // in a mount namespace of its own whose /sys/fs/cgroup is the cgroup v2 hierarchy alone
        if (!cgroup2At("/sys/fs/cgroup")) {
            System.out.println("OciIT: /sys/fs/cgroup is not cgroup v2: crun runs with cgroup2 mounted there in a private mount namespace");
            crun.addAll(0, List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                    "mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec \"$@\"", "sh"));
        }
    }

    private static void requireCrun() {
        boolean ci = "true".equals(System.getenv("CI"));
        if (!"root".equals(System.getProperty("user.name"))) {
            if (ci) fail("CI=true but not root: the OCI test runs crun as root (run CI as root)");
            System.out.println("skipping: the OCI test needs root to run crun");
            Assumptions.assumeTrue(false, "needs root");
        }
        boolean found = Stream.of(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, "crun")));
        if (!found) {
            if (ci) fail("CI=true but crun is not installed (./test installs it)");
            System.out.println("skipping: the OCI test needs crun (apt-get install crun busybox-static)");
            Assumptions.assumeTrue(false, "needs crun");
        }
    }

    @AfterEach
    void remove() throws Exception {
        if (container != null) container.close();
    }

    @Test
    @Timeout(60)
    void mainsExitCodeIsTheContainersAndEveryLogReachesTheRuntimesStdout() throws Exception {
        config("""
                [service.db]
                command = "echo db says hello; exec sleep 1000"
                [service.web]
                command = "echo web says hello; exec sleep 1000"
                requires = ["db"]
                """);
        container = Container.start(this, "sh", "-c", "echo main says hello; echo main complains >&2; exit 42");
        assertEquals(42, container.awaitExit(BOOT), container.out());
        String out = container.out();
        for (String svc : List.of("db", "web"))
            assertTrue(Pattern.compile("(?m)^\\S+ " + svc + "\\s+\\| " + svc + " says hello$").matcher(out).find(), out);
        assertTrue(out.lines().anyMatch("main says hello"::equals), out);
        assertTrue(Pattern.compile("(?m)^\\S+ banyan \\* exit 42$").matcher(out).find(), out);
        assertTrue(container.err().lines().anyMatch("main complains"::equals), container.err());
        assertTrue(Files.readString(dir.resolve("data/log/db.log")).contains("db says hello"), "the log file on the volume");
    }

    @Test
    @Timeout(60)
    void itRunsAsUser1000OnAReadOnlyRootAndTheClientReachesItThroughExec() throws Exception {
        config("""
                [service.probe]
                command = "id -u > /data/uid; if touch /written 2>/data/touch; then echo yes; else echo no; fi > /data/root-writable; exec sleep 1000"
                """);
        container = Container.start(this);
        container.awaitLog("target default is up");
        long pid = container.pid();
        List<String> status = Files.readAllLines(Path.of("/proc/" + pid + "/status"));
        assertTrue(status.contains("Uid:\t" + USER + "\t" + USER + "\t" + USER + "\t" + USER), "banyan runs as " + USER + ": " + status);
        Path exe = Path.of("/proc/" + pid + "/exe");
        assertEquals(Path.of("/opt/banyan/runtime/bin/java"), Files.readSymbolicLink(exe), "the container's PID 1 is the release's JVM");
        assertTrue(Files.isSameFile(rootfs.resolve("opt/banyan/runtime/bin/java"), exe), "the JVM of the bundle's rootfs");
        String root = Files.readAllLines(Path.of("/proc/" + pid + "/mountinfo")).stream()
                .filter(l -> l.split(" ")[4].equals("/")).findFirst().orElseThrow();
        assertTrue(List.of(root.split(" ")[5].split(",")).contains("ro"), "its root is mounted read-only: " + root);
        await("the probe service's findings", () -> Files.exists(dir.resolve("data/root-writable")));
        assertEquals(List.of(Integer.toString(USER)), Files.readAllLines(dir.resolve("data/uid")));
        assertEquals(List.of("no"), Files.readAllLines(dir.resolve("data/root-writable")), Files.readString(dir.resolve("data/touch")));

        Result st = container.exec("/opt/banyan/bin/banyan", "status");
        assertEquals(0, st.code, st.out);
        assertTrue(Pattern.compile("(?m)^probe\\s+up\\s+yes\\s+\\d+").matcher(st.out).find(), st.out);
        container.kill("TERM");
        assertEquals(0, container.awaitExit(BOOT), container.out());
    }

    /** kill -9 -1 from crun exec, five times: every service comes back each time, db, app and web in that order. */
    @Test
    @Timeout(90)
    void killMinus9MinusOneInsideTheContainerRebuildsEverything() throws Exception {
        List<String> names = List.of("db", "app", "web", "cache");
        Map<String, String> requires = Map.of("app", "db", "web", "app");
        StringBuilder toml = new StringBuilder();
        for (String n : names)
            toml.append("""
                    [service.%1$s]
                    command = "echo %1$s >> /data/starts; echo >&3; exec sleep 1000"
                    ready = { fd = 3 }
                    min_uptime = "1ms"
                    max_restarts = 100
                    requires = [%2$s]
                    """.formatted(n, requires.containsKey(n) ? '"' + requires.get(n) + '"' : ""));
        config(toml.toString());
        container = Container.start(this);
        container.awaitLog("target default is up");
        Path starts = dir.resolve("data/starts");
        for (int round = 1; round <= 5; round++) {
            int before = lines(starts).size();
            long pid = container.pid();
            Result kill = container.exec("sh", "-c", "kill -9 -1");
            assertEquals(0, kill.code, kill.out);
            try {
                await("round " + round + ": every service back, each after what it requires", () -> backInOrder(lines(starts), before, names));
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\nstarts:\n" + String.join("\n", lines(starts)) + "\nbanyan:\n" + container.out(), e);
            }
            assertEquals(pid, container.pid(), "banyan is still the container's PID 1");
        }
        Result st = container.exec("/opt/banyan/bin/banyan", "status");
        assertEquals(0, st.code, st.out);
        for (String n : names) assertTrue(Pattern.compile("(?m)^" + n + "\\s+up\\s+yes\\s+\\d+").matcher(st.out).find(), st.out);
        container.kill("TERM");
        assertEquals(0, container.awaitExit(BOOT), container.out());
        assertFalse(container.out().contains("failed"), container.out());
    }

    /** crun kill TERM: MAIN first, then s4 to s1, each begun only once the one before has ended; all within docker's grace. */
    @Test
    @Timeout(60)
    void crunKillTermStopsMainThenTheServicesInReverseOrderWithinTheGraceTime() throws Exception {
        StringBuilder toml = new StringBuilder("[boot]\ngrace = \"3s\"\n");
        for (int i = 1; i <= 4; i++)
            toml.append(stopper("s" + i, i == 1 ? "" : "\"s" + (i - 1) + "\""));
        config(toml.toString());
        container = Container.start(this, "sh", "-c", "trap 'echo begin main >> /data/events; sleep 0.2; echo end main >> /data/events; exit 0' TERM; "
                + "echo main running >> /data/events; sleep 1000 & wait");
        await("MAIN and every service running", () -> lines(dir.resolve("data/events")).size() == 5);
        long start = System.nanoTime();
        container.kill("TERM");
        assertEquals(0, container.awaitExit(GRACE), "MAIN ended with 0 on its TERM:\n" + container.out());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        System.out.printf("OciIT: crun kill TERM to the container's end: %d ms%n", took.toMillis());
        List<String> events = lines(dir.resolve("data/events"));
        List<String> stops = events.stream().filter(l -> l.startsWith("begin ") || l.startsWith("end ")).toList();
        assertEquals(List.of("begin main", "end main", "begin s4", "end s4", "begin s3", "end s3", "begin s2", "end s2", "begin s1", "end s1"),
                stops, String.join("\n", events));
        String out = container.out();
        assertFalse(out.contains("SIGKILL"), "nothing needed a SIGKILL:\n" + out);
        assertTrue(out.contains("stage 4: no process left"), out);
    }

    private static String stopper(String name, String requires) {
        return """
                [service.%1$s]
                command = "trap 'echo begin %1$s >> /data/events; sleep 0.2; echo end %1$s >> /data/events; exit 0' TERM; echo %1$s running >> /data/events; sleep 1000 & wait"
                requires = [%2$s]
                stop_timeout = "5s"
                """.formatted(name, requires);
    }

    /** The test's configuration, seen in the container as /etc/banyan/banyan.toml; its logs go to the volume. */
    private void config(String toml) throws IOException {
        Path etc = dir.resolve("etc"), data = dir.resolve("data");
        Files.createDirectories(etc);
        Files.createDirectories(data);
        Files.writeString(etc.resolve("banyan.toml"), "log_dir = \"/data/log\"\n" + toml, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setAttribute(data, "unix:uid", USER);
        Files.setAttribute(data, "unix:gid", USER);
    }

    /** Every name started after line `from`, and the last start of db, app and web in that order. */
    private static boolean backInOrder(List<String> lines, int from, List<String> names) {
        Map<String, Integer> last = new HashMap<>();
        List<String> after = lines.subList(Math.min(from, lines.size()), lines.size());
        for (int i = 0; i < after.size(); i++) last.put(after.get(i), i);
        return last.keySet().containsAll(names) && last.get("db") < last.get("app") && last.get("app") < last.get("web");
    }

    /** One crun container of the shared rootfs, its bundle in the test's directory. */
    static final class Container implements AutoCloseable {
        final String id;
        final Path out, err;
        final Process run;

        private Container(String id, Path out, Path err, Process run) {
            this.id = id;
            this.out = out;
            this.err = err;
            this.run = run;
        }

        static Container start(OciIT test, String... main) throws IOException {
            JsonObject c = JsonParser.parseString(Files.readString(template)).getAsJsonObject();
            c.getAsJsonObject("root").addProperty("path", rootfs.toString());
            JsonArray args = c.getAsJsonObject("process").getAsJsonArray("args");
            for (String a : main) args.add(a);
            JsonArray mounts = c.getAsJsonArray("mounts");
            mounts.add(bind(test.dir.resolve("etc"), "/etc/banyan", "ro"));
            mounts.add(bind(test.dir.resolve("data"), "/data", "rw"));
            Files.writeString(test.dir.resolve("config.json"), c.toString());
            String id = "banyan-oci-" + ProcessHandle.current().pid() + "-" + ++serial;
            Path out = test.dir.resolve("stdout"), err = test.dir.resolve("stderr");
            List<String> cmd = new ArrayList<>(crun);
            cmd.addAll(List.of("run", "--bundle", test.dir.toString(), id));
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            return new Container(id, out, err, p);
        }

        private static JsonObject bind(Path from, String to, String mode) {
            JsonObject m = new JsonObject();
            m.addProperty("destination", to);
            m.addProperty("type", "bind");
            m.addProperty("source", from.toString());
            JsonArray o = new JsonArray();
            for (String s : List.of("rbind", mode, "nosuid", "nodev")) o.add(s);
            m.add("options", o);
            return m;
        }

        String out() {
            return read(out) + (read(err).isEmpty() ? "" : "\n(stderr)\n" + read(err));
        }

        String err() {
            return read(err);
        }

        void awaitLog(String text) {
            await("'" + text + "' on the container's stdout", () -> {
                if (!run.isAlive()) fail("the container ended (" + run.exitValue() + "):\n" + out());
                return read(out).contains(text);
            });
        }

        /** The host pid of the container's PID 1, from crun state. */
        long pid() throws IOException, InterruptedException {
            Result s = crun("state", id);
            assertEquals(0, s.code, s.out);
            return JsonParser.parseString(s.out).getAsJsonObject().get("pid").getAsLong();
        }

        /** crun exec as the container's user, as docker exec does. */
        Result exec(String... argv) throws IOException, InterruptedException {
            List<String> a = new ArrayList<>(List.of("exec", "--user", USER + ":" + USER, id));
            a.addAll(List.of(argv));
            return crun(a.toArray(String[]::new));
        }

        void kill(String signal) throws IOException, InterruptedException {
            Result k = crun("kill", id, signal);
            assertEquals(0, k.code, k.out);
        }

        int awaitExit(Duration limit) throws InterruptedException {
            if (!run.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) fail("the container did not end within " + limit + ":\n" + out());
            return run.exitValue();
        }

        private static Result crun(String... args) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(OciIT.crun);
            cmd.addAll(List.of(args));
            return run(cmd, Duration.ofSeconds(30));
        }

        @Override
        public void close() throws Exception {
            if (run.isAlive()) {
                crun("kill", id, "KILL");
                if (!run.waitFor(10, TimeUnit.SECONDS)) run.destroyForcibly();
            }
            crun("delete", "--force", id);
        }
    }

    private static boolean cgroup2At(String where) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(l -> l.split(" - ")).anyMatch(
                p -> p.length == 2 && p[0].split(" ")[4].equals(where) && p[1].startsWith("cgroup2 "));
    }

    private static void await(String what, BooleanSupplier condition) {
        long end = System.nanoTime() + BOOT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) fail("timed out after " + BOOT + " waiting for " + what);
            LockSupport.parkNanos(20_000_000);
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    record Result(int code, String out) {}

    private static Result run(List<String> cmd, Duration limit) throws IOException, InterruptedException {
        Path out = Files.createTempFile(shared, "out", ".txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            fail("timed out after " + limit + ": " + cmd + "\n" + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out));
    }
}

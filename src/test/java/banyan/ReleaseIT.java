package banyan;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The release as a user gets it: src/dist/make-release turns the packaged jar into the tarball,
 * which is unpacked outside the source tree and run where no JDK, no Maven and no sources can be
 * seen (a mount namespace with empty tmpfs over them), as root and as an unprivileged user.
 * Runs in Maven's integration-test phase (pom.xml, execution "release", which runs the tag "release"), after package;
 * the tarball is made once for it and OciIT (ReleaseBuild).
 */
@Tag("release")
class ReleaseIT {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final int NOBODY = 65534;
    private static final String PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    // every run must use the AOT cache made at build time: the JVM refuses to start without it
    private static final String AOT_ON = "BANYAN_JAVA_OPTS=-XX:AOTMode=on";

    @TempDir
    static Path tmp;
    static Path target, basedir, tarball, release;
    static String version;

    @BeforeAll
    static void makeAndUnpack() throws Exception {
        target = ReleaseBuild.target();
        basedir = target.getParent();
        version = ReleaseBuild.version();
        tarball = ReleaseBuild.tarball();

        Path unpacked = tmp.resolve("opt");
        Files.createDirectories(unpacked);
        Result tar = run(List.of("tar", "-xzf", tarball.toString(), "-C", unpacked.toString()), tmp, LIMIT);
        assertEquals(0, tar.code, tar.out);
        release = unpacked.resolve("banyan-" + version);
        // the user run must reach the release: the temporary directory is made mode 0700
        for (Path p = unpacked; p != null && p.startsWith(tmp); p = p.getParent())
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void theTarballHoldsOneFolderWithTheLauncherTheJarsTheHelpersTheCachesAndARuntimeOfTheModulesBanyanUses() throws Exception {
        Result list = run(List.of("tar", "-tzf", tarball.toString()), tmp, LIMIT);
        assertEquals(0, list.code, list.out);
        for (String entry : list.out.lines().toList())
            assertTrue(entry.startsWith("banyan-" + version + "/"), "outside the one top-level folder: " + entry);

        assertTrue(Files.isExecutable(release.resolve("bin/banyan")));
        assertTrue(Files.isExecutable(release.resolve("lib/banyan-exec")));
        assertTrue(Files.isExecutable(release.resolve("runtime/bin/java")));
        for (String f : List.of("lib/libbanyan-spawn.so", "lib/banyan.aot", "lib/banyan-up.aot"))
            assertTrue(Files.size(release.resolve(f)) > 0, f);
        assertEquals(-1, Files.mismatch(target.resolve("banyan.jar"), release.resolve("lib/banyan.jar")), "lib/banyan.jar is the packaged jar");
        Set<String> libs = names(target.resolve("lib"), ".jar");
        libs.add("banyan.jar");
        assertEquals(libs, names(release.resolve("lib"), ".jar"), "lib/ holds banyan.jar and its runtime libraries");

        // the launcher's class path names every jar, once, in a fixed order
        String launcher = Files.readString(release.resolve("bin/banyan"));
        var jars = Pattern.compile("(?m)^jars=\"([^\"]*)\"$").matcher(launcher);
        assertTrue(jars.find(), launcher);
        List<String> order = Arrays.asList(jars.group(1).split(" "));
        assertEquals("banyan.jar", order.getFirst());
        assertEquals(libs, new TreeSet<>(order));
        assertEquals(libs.size(), order.size());

        Path runtime = release.resolve("runtime");
        assertFalse(Files.exists(runtime.resolve("include")), "no header files");
        assertFalse(Files.exists(runtime.resolve("man")), "no man pages");
        assertFalse(Files.exists(runtime.resolve("jmods")), "no jmods");
        try (Stream<Path> all = Files.walk(runtime)) {
            assertEquals(List.of(), all.filter(p -> p.toString().endsWith(".debuginfo") || p.toString().endsWith(".diz")).toList(), "no debug files");
        }
        String modules = Files.readAllLines(runtime.resolve("release")).stream().filter(l -> l.startsWith("MODULES="))
                .findFirst().orElseThrow().replaceAll("MODULES=|\"", "");
        assertEquals(jdeps(target.resolve("banyan.jar")), new TreeSet<>(Arrays.asList(modules.split(" "))),
                "the runtime holds the modules banyan.jar uses, no more");
        System.out.printf("release: tarball %d KiB, unpacked %d KiB (runtime %d KiB, lib %d KiB)%n", Files.size(tarball) / 1024,
                size(release) / 1024, size(runtime) / 1024, size(release.resolve("lib")) / 1024);
    }

    @Test
    void theReleaseLauncherGivesTheJvmTheFlagsOfTheDevelopmentLauncher() throws Exception {
        String dev = Files.readString(basedir.resolve("banyan")), rel = Files.readString(release.resolve("bin/banyan"));
        assertEquals(jvmFlags(dev), jvmFlags(rel));
        assertFalse(jvmFlags(dev).isEmpty());
        for (String line : List.of("export MALLOC_ARENA_MAX=2", "  status|start|stop|restart|signal|logs|wait|reload|shutdown) mode=-Xint ;;"))
            assertTrue(dev.contains(line + "\n") && rel.contains(line + "\n"), "both launchers have: " + line);
        assertTrue(rel.contains("-Dbanyan.exec=\"$lib/banyan-exec\" -Dbanyan.home=\"$home\""), rel);
    }

    @Test
    void unpackedWhereNoJdkMavenOrSourcesCanBeSeenItRunsAStackAsRootAndAsAUserAndWritesNothingIntoItself() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root) {
            if ("true".equals(System.getenv("CI"))) fail("CI=true but not root: the release test needs unshare --mount and setpriv (run CI as root)");
            System.out.println("skipping: the release test needs root for unshare --mount and setpriv");
            Assumptions.assumeTrue(false, "needs root");
        }
        List<String> hidden = hidden();
        System.out.println("release test: hiding " + hidden);
        for (String h : hidden) assertFalse(release.startsWith(h), "the release is unpacked under " + h + ", which the test hides");
        Map<String, String> before = tree(release);

        Path dir = tmp.resolve("run");
        Path xdg = dir.resolve("xdg"), userLogs = dir.resolve("logs-user"), home = dir.resolve("home");
        for (Path p : List.of(dir, xdg, userLogs, home)) Files.createDirectories(p);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (Path p : List.of(xdg, userLogs, home)) {
            Files.setAttribute(p, "unix:uid", NOBODY);
            Files.setAttribute(p, "unix:gid", NOBODY);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        }
        Path rootStack = stack(dir.resolve("root.toml"), dir.resolve("logs-root"));
        Path userStack = stack(dir.resolve("user.toml"), userLogs);

        // the namespace: empty tmpfs over each hidden directory, held until its stdin closes
        List<String> unshare = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "set -e; for d; do [ -d \"$d\" ] || continue; mount -t tmpfs -o size=64k,mode=0755 banyan-hidden \"$d\"; done; echo hidden; read _", "sh"));
        unshare.addAll(hidden);
        Process holder = new ProcessBuilder(unshare).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            String first = new String(holder.getInputStream().readNBytes(7), StandardCharsets.UTF_8);
            assertEquals("hidden\n", first, "the namespace was not made");
            List<String> ns = List.of("nsenter", "--target", Long.toString(holder.pid()), "--mount", "--");
            List<String> asRoot = concat(ns, List.of("env", "-i", PATH, "HOME=/root", AOT_ON));
            List<String> asUser = concat(ns, List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                    "env", "-i", PATH, "HOME=" + home, "XDG_RUNTIME_DIR=" + xdg, AOT_ON));

            // what the release must do without: nothing of it is left in sight
            assertEquals(new Result(0, ""), run(concat(asRoot, List.of("ls", "-A", "/usr/lib/jvm")), dir, LIMIT), "/usr/lib/jvm is empty");
            Result java = run(concat(asRoot, List.of("sh", "-c", "exec java -version")), dir, LIMIT);
            assertNotEquals(0, java.code, "a java is still there: " + java.out);
            assertNotEquals(0, run(concat(asRoot, List.of("sh", "-c", "exec mvn -v")), dir, LIMIT).code, "Maven is still there");
            assertNotEquals(0, run(concat(asRoot, List.of("ls", basedir.resolve("pom.xml").toString())), dir, LIMIT).code, "the sources are still there");

            String bin = release.resolve("bin/banyan").toString();
            for (List<String> who : List.of(asRoot, asUser)) {
                Result v = run(concat(who, List.of(bin, "--version")), dir, LIMIT);
                assertEquals(0, v.code, v.out);
                assertEquals("banyan " + version.replace("-SNAPSHOT", ""), v.out.strip());
            }
            Path rootSocket = dir.resolve("root.sock");
            upStatusShutdown(asRoot, 0, bin, rootStack, rootSocket, List.of("--control", rootSocket.toString()));
            upStatusShutdown(asUser, NOBODY, bin, userStack, xdg.resolve("banyan/control.sock"), List.of());
        } finally {
            holder.getOutputStream().close();
            if (!holder.waitFor(10, TimeUnit.SECONDS)) holder.destroyForcibly();
        }
        Map<String, String> after = tree(release);
        Set<String> changed = new TreeSet<>(before.keySet());
        changed.addAll(after.keySet());
        changed.removeIf(f -> java.util.Objects.equals(before.get(f), after.get(f)));
        assertEquals(Set.of(), changed, "the release wrote into itself (it must run from a read-only install)");
    }

    /** up in the background, status once every service is ready, then shutdown: each through the release's launcher. */
    private static void upStatusShutdown(List<String> who, int uid, String bin, Path stack, Path socket, List<String> control) throws Exception {
        Path log = stack.resolveSibling(stack.getFileName() + ".out");
        Process up = new ProcessBuilder(concat(who, List.of(bin, "up", "-f", stack.toString()), control))
                .directory(stack.getParent().toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long end = System.nanoTime() + LIMIT.toNanos();
            while (!Files.exists(socket)) {
                if (!up.isAlive()) fail("banyan up ended (" + up.exitValue() + "):\n" + Files.readString(log));
                if (System.nanoTime() > end) fail("no control socket " + socket + " within " + LIMIT + ":\n" + Files.readString(log));
                LockSupport.parkNanos(20_000_000);
            }
            Result ready = run(concat(who, List.of(bin, "wait", "after", "--ready", "--timeout", "30s"), control), stack.getParent(), LIMIT);
            assertEquals(0, ready.code, ready.out + Files.readString(log));
            Result status = run(concat(who, List.of(bin, "status"), control), stack.getParent(), LIMIT);
            assertEquals(0, status.code, status.out);
            assertTrue(Pattern.compile("(?m)^hello\\s+up\\s+yes\\s+\\d+").matcher(status.out).find(), status.out);
            assertTrue(Pattern.compile("(?m)^after\\s+up\\s+yes\\s+\\d+").matcher(status.out).find(), status.out);
            // nsenter, setpriv, env and the launcher each exec: the process is the release's JVM
            Path proc = Path.of("/proc", Long.toString(up.pid()));
            assertEquals(release.resolve("runtime/bin/java"), Files.readSymbolicLink(proc.resolve("exe")));
            assertTrue(Files.readAllLines(proc.resolve("status")).contains("Uid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid),
                    "banyan up runs as uid " + uid);

            Result shutdown = run(concat(who, List.of(bin, "shutdown"), control), stack.getParent(), LIMIT);
            assertEquals(0, shutdown.code, shutdown.out);
            assertTrue(up.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS), "banyan up did not end after shutdown");
            String out = Files.readString(log);
            assertEquals(0, up.exitValue(), out);
            assertTrue(Pattern.compile("(?m)^\\S+ hello\\s+\\| hello from the release$").matcher(out).find(), out);
            assertFalse(out.contains("Exception"), out);
        } finally {
            if (up.isAlive()) {
                run(concat(who, List.of(bin, "shutdown", "--timeout", "10s"), control), stack.getParent(), LIMIT);
                up.destroyForcibly();
            }
        }
    }

    private static Path stack(Path file, Path logs) throws IOException {
        Files.writeString(file, "log_dir = \"" + logs + "\"\n\n"
                + "[service.hello]\ncommand = \"echo hello from the release; exec sleep 1000\"\n\n"
                + "[service.after]\ncommand = [\"sleep\", \"1000\"]\nrequires = [\"hello\"]\n");
        return file;
    }

    /** The directories a release must not need: the JDKs, Maven and its repository, the sources. */
    private static List<String> hidden() throws IOException {
        Set<String> dirs = new LinkedHashSet<>();
        dirs.add(Path.of(System.getProperty("java.home")).toRealPath().toString());
        dirs.add("/usr/lib/jvm");
        for (String h : System.getProperty("banyan.release.hide", "").split(",")) {
            if (h.isBlank() || h.startsWith("${")) continue;
            Path p = Path.of(h);
            dirs.add(p.toString());
            if (p.getParent() != null && p.getParent().getFileName().toString().equals(".m2")) dirs.add(p.getParent().toString());
        }
        dirs.add("/usr/share/maven");
        dirs.add(Path.of(System.getProperty("user.home"), ".m2").toString());
        dirs.add(basedir.toRealPath().toString());
        return dirs.stream().filter(d -> Files.isDirectory(Path.of(d))).toList();
    }

    /** The JVM options of a launcher's java_banyan, without the lines that name its own paths. */
    private static List<String> jvmFlags(String launcher) {
        int from = launcher.indexOf("java_banyan() {"), to = launcher.indexOf("\n}", from);
        assertTrue(from >= 0 && to > from, "no java_banyan() in the launcher");
        return launcher.substring(from, to).lines().skip(2).map(String::strip)
                .filter(l -> !l.startsWith("-Dbanyan.exec=") && !l.startsWith("-cp ")).toList();
    }

    private static Set<String> jdeps(Path jar) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = ToolProvider.findFirst("jdeps").orElseThrow().run(new PrintStream(out), System.err,
                "--print-module-deps", "--ignore-missing-deps", "--multi-release", "25", jar.toString());
        assertEquals(0, rc, out.toString());
        return new TreeSet<>(Arrays.asList(out.toString().strip().split(",")));
    }

    private static Set<String> names(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    /** Every file and directory of the tree with its size, time and mode. */
    private static Map<String, String> tree(Path dir) throws IOException {
        Map<String, String> t = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList())
                t.put(dir.relativize(p).toString(), Files.size(p) + " " + Files.getLastModifiedTime(p) + " "
                        + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
        }
        return t;
    }

    @SafeVarargs
    private static List<String> concat(List<String>... parts) {
        return Stream.of(parts).flatMap(List::stream).toList();
    }

    record Result(int code, String out) {}

    private static Result run(List<String> cmd, Path cwd, Duration limit) throws IOException, InterruptedException {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            fail("timed out after " + limit + ": " + cmd + "\n" + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out));
    }
}

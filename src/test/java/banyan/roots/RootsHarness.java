package banyan.roots;

import banyan.config.ConfigLoader;
import banyan.config.RootConfig;
import banyan.config.StackConfig;
import banyan.os.MountTable;
import banyan.os.Mounts;
import banyan.os.Fd;
import banyan.os.Proc;
import banyan.os.Reaper;
import banyan.os.Spawn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What roots' real-mount tests share: the check that they may mount (root, in the private mount
 * namespace that pom.xml's roots-it execution gives their JVM), a listener that records every
 * status and note, and the clean-up that detaches whatever a test left under its directory
 * before JUnit deletes it (so that nothing is deleted through a mount).
 */
final class RootsHarness implements Roots.Listener {
    final List<RootStatus> statuses = new CopyOnWriteArrayList<>();
    final List<String> notes = new CopyOnWriteArrayList<>();
    private final List<RootSupervisor> supervisors = new ArrayList<>();
    final Path dir;
    final Roots roots;

    RootsHarness(Path dir) {
        requireMounts();
        this.dir = dir;
        this.roots = new Roots(dir.resolve("roots"), this);
    }

    /** Skips with a reason when mounts cannot be made here, except with CI=true: there the test must run. */
    static void requireMounts() {
        // -Dtest=... puts these classes in the default execution too: they run in roots-it, in a JVM of their own.
        assumeTrue(Boolean.getBoolean("banyan.rootsExecution"), "runs in the roots-it execution of pom.xml");
        String why = null;
        if (Proc.uid() != 0) why = "roots tests mount filesystems: run them as root";
        else if (!privateNamespace()) why = "roots tests mount only in a private mount namespace (pom.xml starts their JVM with unshare --mount)";
        if (why == null) return;
        if ("true".equals(System.getenv("CI"))) fail("CI=true but " + why);
        System.out.println("skipped: " + why);
        assumeTrue(false, why);
    }

    /** The JVM runs in the mount namespace that src/test/sh/private-mounts/bin/java made for it. */
    private static boolean privateNamespace() {
        try {
            String made = System.getenv("BANYAN_TEST_MOUNT_NS");
            return made != null && made.equals(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString());
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void changed(RootStatus before, RootStatus now) {
        statuses.add(now);
    }

    @Override
    public void note(String root, String text) {
        notes.add(root + ": " + text);
        System.out.println("root " + root + ": " + text);
    }

    /** The root named name of a configuration written as text (every path in it is the test's). */
    RootConfig config(String name, String toml) throws Exception {
        Path file = dir.resolve("banyan-" + System.nanoTime() + ".toml");
        Files.writeString(file, toml);
        StackConfig c = ConfigLoader.load(file);
        return c.roots().get(name);
    }

    RootSupervisor start(RootConfig c) {
        RootSupervisor s = roots.supervise(c);
        supervisors.add(s);
        s.start();
        return s;
    }

    static void awaitUp(RootSupervisor s, String source) throws InterruptedException {
        if (!s.await(st -> st.up() && st.source().orElse("").equals(source), Duration.ofSeconds(30)))
            fail("root " + s.name() + " not up on " + source + " within 30s: " + s.status());
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) fail("not within 30s: " + what);
            Thread.sleep(20);
        }
    }

    static boolean mounted(Path p) {
        return MountTable.top(MountTable.read(), p.toString()).isPresent();
    }

    static MountTable.Entry mountAt(Path p) {
        return MountTable.top(MountTable.read(), p.toString()).orElseThrow(() -> new AssertionError("nothing mounted at " + p));
    }

    /** Principle 1: no fd, working directory or mapping of this process under the roots directory. */
    void assertHoldsNothingUnderRoots() throws IOException {
        assertHoldsNothingUnder(roots.base());
    }

    static void assertHoldsNothingUnder(Path under) throws IOException {
        String base = under.toString();
        List<String> held = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(base)) held.add("fd " + fd.getFileName() + " -> " + target);
                } catch (IOException gone) {
                    // the fd of the listing itself, closed meanwhile
                }
            }
        }
        if (Files.readSymbolicLink(Path.of("/proc/self/cwd")).toString().startsWith(base)) held.add("cwd");
        Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains(base)).forEach(l -> held.add("map " + l));
        assertEquals(List.of(), held, "banyan holds nothing on a root");
    }

    /** Stops every root, then detaches whatever is still mounted under the test's directory, deepest first. */
    void close() throws InterruptedException {
        for (RootSupervisor s : supervisors) s.stop();
        for (RootSupervisor s : supervisors) {
            s.await(st -> st.state().wire().equals("down"), Duration.ofSeconds(20));
            s.close(Duration.ofSeconds(5));
        }
        detachUnder(dir);
    }

    /** Detaches whatever is mounted under dir, deepest first, so that JUnit deletes nothing through a mount. */
    static void detachUnder(Path dir) {
        String under = dir.toString() + "/";
        MountTable.read().stream().filter(e -> e.point().startsWith(under))
                .sorted(Comparator.comparingInt((MountTable.Entry e) -> e.point().length()).reversed())
                .forEach(e -> {
                    try {
                        Mounts.unmount(e.point(), Mounts.MNT_DETACH);
                    } catch (RuntimeException ignored) {
                        // already gone with its parent
                    }
                });
    }

    /**
     * A process of the test's own (sshd, a reader, a namespace's holder), spawned through banyan's
     * reaper: in a JVM where that reaper runs, it reaps every child, so ProcessBuilder's exit codes
     * would not be true.
     */
    record Child(int pid, CompletableFuture<Reaper.Exit> exit) {
        boolean alive() {
            return !exit.isDone();
        }

        void signal(int sig) {
            Reaper.get().signal(pid, sig);
        }

        Reaper.Exit await(Duration limit) throws Exception {
            return exit.get(limit.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** Spawns argv (the program searched in PATH, then /usr/sbin and /sbin) with stdout and stderr to output. */
    static Child spawn(Path output, String... argv) throws IOException {
        if (!Files.exists(output)) Files.createFile(output);
        int fd = Fd.openReadWrite(output.toString());
        try {
            return spawn(fd, argv);
        } finally {
            Fd.close(fd);
        }
    }

    private static Child spawn(int out, String... argv) {
        CompletableFuture<Reaper.Exit> exit = new CompletableFuture<>();
        List<String> env = System.getenv().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
        int pid = Reaper.get().spawn(new Spawn.Spec(program(argv[0]), List.of(argv), env, Optional.empty(),
                Map.of(0, DEV_NULL, 1, out, 2, out)), exit::complete);
        return new Child(pid, exit);
    }

    private static final int DEV_NULL = Fd.openReadWrite("/dev/null");

    static String program(String name) {
        if (name.contains("/")) return name;
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin"));
        return dirs.stream().map(d -> Path.of(d, name)).filter(Files::isExecutable).findFirst().map(Path::toString).orElse(name);
    }

    /** Runs a command of the test's own (making images and archives); fails on a non-zero exit, with its output. */
    static String run(String... argv) throws Exception {
        Fd.Pipe pipe = Fd.pipe();
        Child c;
        try {
            c = spawn(pipe.writeEnd(), argv);
        } finally {
            Fd.close(pipe.writeEnd());
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (int n; (n = Fd.read(pipe.readEnd(), buf)) > 0; ) out.write(buf, 0, n);
        Fd.close(pipe.readEnd());
        Reaper.Exit exit = c.await(Duration.ofSeconds(60));
        if (!exit.success()) fail(String.join(" ", argv) + " " + exit.describe() + ": " + out);
        return out.toString();
    }
}

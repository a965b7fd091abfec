package banyan.init;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real `banyan init` as PID 1 of a fresh PID and mount namespace (unshare --pid --fork
 * --mount-proc), started with this JDK and the classes under test. Its output goes to a file
 * the test reads; its host pid is the namespace's PID 1.
 */
final class Pid1 implements AutoCloseable {
    final Path dir;
    final Path log;
    final Process unshare;
    private final long hostPid;

    private Pid1(Path dir, Process unshare, long hostPid) {
        this.dir = dir;
        this.log = dir.resolve("banyan.log");
        this.unshare = unshare;
        this.hostPid = hostPid;
    }

    /** Skips with a reason outside CI when not root; in CI (root) it must run. */
    static void requireRoot() {
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) return;
        if ("true".equals(System.getenv("CI"))) fail("CI=true but not root: PID 1 tests need unshare --pid (run CI as root)");
        System.out.println("skipping: PID 1 tests need root for unshare --pid --mount-proc");
        Assumptions.assumeTrue(false, "needs root");
    }

    /** The JVM command line, as ./banyan builds it. */
    static List<String> java(String classpath) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xss256k", "--enable-native-access=ALL-UNNAMED",
                "-Dbanyan.exec=" + System.getProperty("banyan.exec"), "-cp", classpath, "banyan.cli.Main"));
        return cmd;
    }

    /** Runs a client command (`banyan status`, `banyan shutdown`) against this banyan's control socket; returns its exit code and output. */
    static java.util.Map.Entry<Integer, String> client(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(java(classpath()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--control", dir.resolve("control.sock").toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) fail("timed out: " + cmd);
        return java.util.Map.entry(p.exitValue(), out);
    }

    static String classpath() {
        return System.getProperty("java.class.path");
    }

    /**
     * Starts `banyan init -f dir/banyan.toml ARGS` as PID 1. prefix runs before the JVM inside the
     * namespace and must end in exec (so the JVM keeps PID 1): sh -c '...; exec "$@"' sh.
     */
    static Pid1 start(Path dir, List<String> prefix, String classpath, String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of("init", "-f", dir.resolve("banyan.toml").toString()));
        argv.addAll(List.of(args));
        return launch(dir, prefix, classpath, argv);
    }

    /** Starts banyan as the kernel starts init=banyan: with no command, only words, and the file in $BANYAN_CONFIG. */
    static Pid1 startAsKernelInit(Path dir, String... words) throws IOException {
        return launch(dir, List.of("env", "BANYAN_CONFIG=" + dir.resolve("banyan.toml")), classpath(), List.of(words));
    }

    private static Pid1 launch(Path dir, List<String> prefix, String classpath, List<String> argv) throws IOException {
        requireRoot();
        List<String> cmd = new ArrayList<>(List.of("unshare", "--pid", "--fork", "--mount-proc"));
        cmd.addAll(prefix);
        cmd.addAll(java(classpath));
        cmd.addAll(argv);
        Path log = dir.resolve("banyan.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().put("BANYAN_CONTROL", dir.resolve("control.sock").toString()); // not the host's /run/banyan
        Process p = pb.start();
        long[] child = {0};
        await("unshare's child (the namespace's PID 1)", Duration.ofSeconds(10), () -> {
            child[0] = p.children().findFirst().map(ProcessHandle::pid).orElse(0L);
            return child[0] > 0 || !p.isAlive();
        });
        return new Pid1(dir, p, child[0]);
    }

    static Pid1 start(Path dir, String... args) throws IOException {
        return start(dir, List.of(), classpath(), args);
    }

    long hostPid() {
        return hostPid;
    }

    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    void awaitLog(String text, Duration limit) {
        await("'" + text + "' in banyan's output", limit, () -> output().contains(text));
    }

    /** Runs argv inside the namespace (pid and mount), from outside it, and waits for it. */
    int inside(String... argv) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "-t", String.valueOf(hostPid), "-p", "-m", "--"));
        cmd.addAll(List.of(argv));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) fail("timed out: " + cmd);
        return p.exitValue();
    }

    /** Starts argv inside the namespace without waiting. */
    Process insideAsync(String... argv) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "-t", String.valueOf(hostPid), "-p", "-m", "--"));
        cmd.addAll(List.of(argv));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    void signal(String name) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + name, String.valueOf(hostPid)).inheritIO().start();
        k.waitFor();
    }

    /** banyan's exit code (unshare passes it on). */
    int awaitExit(Duration limit) throws InterruptedException {
        if (!unshare.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) fail("banyan did not exit within " + limit + "; output:\n" + output());
        return unshare.exitValue();
    }

    /** Waits for condition, re-checking with a pause that grows to 20ms; fails with what was awaited. */
    static void await(String what, Duration limit, BooleanSupplier condition) {
        long end = System.nanoTime() + limit.toNanos();
        long pause = 200_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) fail("timed out after " + limit + " waiting for " + what);
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 20_000_000);
        }
    }

    /** Writes a configuration whose logs go beside it, not to the host's /var/log/banyan. */
    static void write(Path file, String text) throws IOException {
        String logs = text.contains("log_dir") ? "" : "log_dir = \"" + file.resolveSibling("log") + "\"\n";
        Files.writeString(file, logs + text, StandardCharsets.UTF_8);
    }

    static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** SIGKILL to the namespace's PID 1 ends the namespace: nothing outlives a failed test. */
    @Override
    public void close() throws InterruptedException {
        if (unshare.isAlive()) {
            ProcessHandle.of(hostPid).ifPresent(ProcessHandle::destroyForcibly);
            unshare.waitFor(10, TimeUnit.SECONDS);
            unshare.destroyForcibly();
        }
    }
}

package banyan.init;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The launcher script (./banyan) as the kernel starts an init: PID 1 with no /proc mounted. java
 * finds libjli.so through $ORIGIN, which needs /proc/self/exe, so the launcher must mount /proc
 * before it execs the JVM.
 */
@Timeout(120)
class LauncherTest {
    @TempDir
    Path dir;

    /** An installation as the launcher expects it (target/banyan.jar, target/lib, target/banyan-exec), made of the classes under test. */
    private Path install() throws IOException {
        Path launcher = Path.of(System.getProperty("user.dir"), "banyan");
        assumeTrue(Files.isRegularFile(launcher), "no launcher at " + launcher);
        Path home = dir.resolve("home");
        Path lib = Files.createDirectories(home.resolve("target").resolve("lib"));
        Files.copy(launcher, home.resolve("banyan"));
        home.resolve("banyan").toFile().setExecutable(true);
        Files.copy(launcher.resolveSibling("bin").resolve("find-jdk"), Files.createDirectories(home.resolve("bin")).resolve("find-jdk"));
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isDirectory(p) && Files.exists(p.resolve("banyan/cli/Main.class")))
                Files.createSymbolicLink(home.resolve("target").resolve("banyan.jar"), p); // a directory works as a class path entry
            else if (entry.endsWith(".jar") && !Files.exists(lib.resolve(p.getFileName())))
                Files.createSymbolicLink(lib.resolve(p.getFileName()), p);
        }
        Files.createSymbolicLink(home.resolve("target").resolve("banyan-exec"), Path.of(System.getProperty("banyan.exec")));
        return home;
    }

    @Test
    void asPid1WithoutProcTheLauncherMountsItAndBanyanStarts() throws Exception {
        Pid1.requireRoot();
        Path home = install();
        Pid1.write(dir.resolve("banyan.toml"), """
                [service.a]
                command = "exec sleep 1000"
                """);
        // a fresh PID and mount namespace whose /proc is hidden, as at boot; sh execs the launcher, which is PID 1
        List<String> cmd = List.of("unshare", "--pid", "--fork", "--mount", "sh", "-c",
                "mount -t tmpfs none /proc && exec \"$0\" init -f \"$1\" -- sh -c 'cat /proc/1/comm'",
                home.resolve("banyan").toString(), dir.resolve("banyan.toml").toString());
        Path log = dir.resolve("out.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("BANYAN_CONTROL", dir.resolve("control.sock").toString());
        pb.environment().put("BANYAN_JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("BANYAN_NO_BUILD", "1");
        pb.environment().put("BANYAN_NO_AOT", "1");
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "banyan did not end");
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("banyan init as pid 1 in container mode"), out);
        assertTrue(out.lines().anyMatch(l -> l.equals("java")), "MAIN (on banyan's own fds) saw the JVM as PID 1:\n" + out);
    }
}

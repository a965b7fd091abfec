package banyan.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** `banyan up` as a user runs it: a real JVM, real signals, exit codes. */
class UpCommandIT {
    @TempDir
    Path dir;

    static Process banyan(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dbanyan.exec=" + System.getProperty("banyan.exec"),
                "-cp", System.getProperty("java.class.path"), "banyan.cli.Main"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    }

    @Test
    void aBadConfigurationExitsTwoWithEveryProblemAndItsLine() throws Exception {
        Files.writeString(dir.resolve("banyan.toml"), """
                [service.a]
                command = ["sleep", "1"]
                stop_timeout = "soon"

                [service.b]
                comand = "true"
                """);
        Process p = banyan(dir, "up");
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("banyan.toml:3:1: service.a.stop_timeout: 'soon' is not a duration"), out);
        assertTrue(out.contains("banyan.toml:6:1: service.b.comand: unknown key; did you mean 'command'?"), out);
        assertTrue(out.contains("nothing was started"), out);
        assertFalse(out.contains("Exception"), "no stack trace for the user: " + out);
    }

    @Test
    void usageErrorsExitTwo() throws Exception {
        Process p = banyan(dir, "up", "--no-such-flag");
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("Unknown option: '--no-such-flag'"), out);
    }

    @Test
    void sigtermStopsEveryServiceInReverseDependencyOrderAndLeavesNothing() throws Exception {
        Files.writeString(dir.resolve("banyan.toml"), """
                [service.first]
                command = "echo first-up; exec sleep 1000"

                [service.second]
                command = "sleep 1000 & echo second-up; wait"
                requires = ["first"]

                [service.third]
                command = "trap '' TERM; echo third-up; while :; do sleep 0.1; done"
                requires = ["second"]
                stop_timeout = "300ms"
                """);
        Process p = banyan(dir, "up");
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
        List<String> lines = new ArrayList<>();
        int up = 0;
        for (String l; up < 3 && (l = r.readLine()) != null; ) {
            lines.add(l);
            if (l.contains("-up")) up++;
        }
        assertEquals(3, up, String.join("\n", lines));
        List<ProcessHandle> tree = p.toHandle().descendants().toList();
        assertTrue(tree.size() >= 3, "services run under banyan: " + tree);
        p.toHandle().destroy(); // SIGTERM
        for (String l; (l = r.readLine()) != null; ) lines.add(l);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join("\n", lines));
        String all = String.join("\n", lines);
        int third = all.indexOf("third  * stopping -> down"), second = all.indexOf("second * stopping -> down"),
                first = all.indexOf("first  * stopping -> down");
        assertTrue(third > 0 && third < second && second < first, "reverse order:\n" + all);
        for (ProcessHandle h : tree) assertFalse(h.isAlive(), "left behind: " + h.pid() + " " + h.info().commandLine().orElse(""));
    }
}

package banyan.init;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The machine-only steps of stage 4, each in namespaces of its own: a whole machine boot needs a VM,
 * and stage 4 run on the host's mounts would remount the host's root read-only.
 */
@Timeout(60)
class MachineStepsTest {
    @TempDir
    Path dir;

    @Test
    void unmountsInReverseOrderAndRemountsWhatIsBusyReadOnly() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        var r = probe(List.of("unshare", "--mount", "--propagation", "private"), "unmount", root.toString());
        assertEquals(0, r.code(), r.out());
        // a, a/b and busy's own directory tree: a/b goes before a, busy stays but read-only, and so does root
        assertTrue(r.out().contains("stage 4: unmounted 2, read-only [" + root.resolve("busy") + ", " + root + "]"), r.out());
        assertTrue(r.out().contains("left " + root.resolve("busy") + " ro"), r.out());
        assertTrue(r.out().contains("left " + root + " ro"), r.out());
    }

    @Test
    void rebootInAPidNamespaceEndsItTheWayTheKernelSays() throws Exception {
        // reboot(2) from PID 1 of a child PID namespace kills it: SIGHUP for a restart, SIGINT for power off and halt
        assertEquals(128 + 1, probe(pidns(), "reboot", "RESTART").code());
        assertEquals(128 + 2, probe(pidns(), "reboot", "POWER_OFF").code());
        assertEquals(128 + 2, probe(pidns(), "reboot", "HALT").code());
    }

    private static List<String> pidns() {
        return List.of("unshare", "--pid", "--fork", "--mount-proc");
    }

    record Result(int code, String out) {}

    private Result probe(List<String> prefix, String... args) throws Exception {
        Pid1.requireRoot();
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(Pid1.java(Pid1.classpath()));
        cmd.set(cmd.size() - 1, MachineProbe.class.getName());
        cmd.addAll(List.of(args));
        Path out = dir.resolve("probe.out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "probe timed out");
        return new Result(p.exitValue(), Files.readString(out));
    }
}

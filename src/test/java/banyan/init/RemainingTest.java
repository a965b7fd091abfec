package banyan.init;

import banyan.os.ProcessId;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What stage 4 waits for on a machine: every process but the kernel's threads, which never go away. */
class RemainingTest {
    @Test
    void remainingHasOurChildAndNoKernelThread() throws Exception {
        Process child = new ProcessBuilder("sleep", "30").start();
        try {
            List<Integer> remaining = Remaining.list(true).stream().map(ProcessId::pid).toList();
            assertTrue(remaining.contains((int) child.pid()), "the child " + child.pid() + " in " + remaining);
            assertFalse(remaining.contains((int) ProcessHandle.current().pid()), "not ourselves");
            for (int k : kernelThreads()) assertFalse(remaining.contains(k), "kernel thread " + k + " in " + remaining);
        } finally {
            child.destroyForcibly().waitFor();
        }
    }

    /** The kernel threads /proc shows here (none in a PID namespace). */
    private static List<Integer> kernelThreads() throws IOException {
        List<Integer> out = new ArrayList<>();
        try (var dirs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path d : dirs) {
                try {
                    // a kernel thread has no command line and no memory map of its own
                    if (Files.readString(d.resolve("cmdline")).isEmpty() && Files.readString(d.resolve("maps")).isEmpty()
                            && Files.readString(d.resolve("status")).contains("\nPPid:\t2\n"))
                        out.add(Integer.parseInt(d.getFileName().toString()));
                } catch (IOException e) {
                    // gone, or not ours to read
                }
            }
        }
        return out;
    }
}

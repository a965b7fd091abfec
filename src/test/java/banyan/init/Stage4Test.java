package banyan.init;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What stage 4 waits for on a machine. There, kill(-1, 0) also reaches the kernel's threads, which
 * never go away: stage 4 must tell them from processes, or it waits out the grace time and the
 * SIGKILL limit at every shutdown (as a VM boot showed).
 */
class Stage4Test {
    @Test
    void kthreaddIsAKernelThread() {
        assertTrue(Stage4.kernelThread("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 1 0 0 20 0 1 0 25 0 0 18446744073709551615 0 0 0 0"));
        assertTrue(Stage4.kernelThread("15 (ksoftirqd/0) S 2 0 0 0 -1 69238848 0 0 0 0 0 0 0 0 20 0 1 0 3 0 0"));
    }

    @Test
    void aProcessIsNotEvenWithParenthesesAndSpacesInItsName() {
        assertFalse(Stage4.kernelThread("17606 (cat) R 17456 17456 6989 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 1097821"));
        assertFalse(Stage4.kernelThread("42 (a) S 2 (b) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 1097821"));
        // a process whose parent is PID 2: in a container, PID 2 is no kthreadd
        assertFalse(Stage4.kernelThread("43 (sh) S 2 43 43 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 1097821"));
    }

    @Test
    void remainingHasOurChildAndNoKernelThread() throws Exception {
        Process child = new ProcessBuilder("sleep", "30").start();
        try {
            List<Integer> remaining = Stage4.remaining(true, (int) ProcessHandle.current().pid());
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

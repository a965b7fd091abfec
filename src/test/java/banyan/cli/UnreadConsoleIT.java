package banyan.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * `banyan up | less` left alone: a console that nobody reads. Supervision goes on, every line
 * reaches the log file, and the console learns how many lines it missed once it reads again.
 */
class UnreadConsoleIT {
    @TempDir
    Path dir;

    static final int LINES = 200_000;

    @Test
    void anUnreadConsoleStallsNeitherSupervisionNorTheLogFile() throws Exception {
        Path log = dir.resolve("log"), socket = dir.resolve("control.sock");
        Files.writeString(dir.resolve("banyan.toml"), """
                log_dir = "%s"
                log_max_size = "64MiB"
                [service.chatty]
                command = "seq 1 %d; exec sleep 1000"
                [service.quiet]
                command = ["sleep", "1000"]
                """.formatted(log, LINES));
        // stdout and stderr are a pipe this test does not read until the end: it fills after 64 KiB
        Process up = new ProcessBuilder(CliEndToEndTest.java("up", "-f", dir.resolve("banyan.toml").toString(),
                "--control", socket.toString())).redirectErrorStream(true).start();
        try {
            Path chatty = log.resolve("chatty.log");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(Files.exists(chatty) && lastLineHas(chatty, " " + LINES))) {
                if (System.nanoTime() > end) fail("the log file never got line " + LINES + " while the console was unread");
                if (!up.isAlive()) fail("banyan up ended: exit " + up.exitValue());
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000); // polling a file: nothing to block on
            }
            try (var lines = Files.lines(chatty)) {
                assertEquals(LINES, lines.filter(l -> l.matches("\\S+ out \\d+")).count(), "every line in the file");
            }
            CliEndToEndTest.Run restart = run("restart", "quiet", "--control", socket.toString());
            assertEquals(0, restart.code(), restart.err());
            CliEndToEndTest.Run stop = run("stop", "chatty", "--control", socket.toString());
            assertEquals(0, stop.code(), stop.err());

            // once read again, the console says what it missed
            up.toHandle().destroy(); // SIGTERM; Process.destroy would also close our end of the pipe
            String console = new String(up.getInputStream().readAllBytes());
            assertTrue(up.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, up.exitValue(), console);
            assertTrue(console.matches("(?s).*banyan \\* console: \\d+ line\\(s\\) dropped.*"), "a count of what was dropped");
            assertTrue(console.contains("banyan * stopped"), "banyan's last line reaches the console");
        } finally {
            up.destroyForcibly();
        }
    }

    private static CliEndToEndTest.Run run(String... args) throws Exception {
        Process p = new ProcessBuilder(CliEndToEndTest.java(args)).start();
        byte[] out = p.getInputStream().readAllBytes(), err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) fail("banyan " + String.join(" ", args) + " did not return");
        return new CliEndToEndTest.Run(p.exitValue(), new String(out), new String(err));
    }

    private static boolean lastLineHas(Path file, String tail) throws java.io.IOException {
        try (var f = new java.io.RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            if (len < 64) return false;
            f.seek(len - 64);
            byte[] b = new byte[64];
            f.readFully(b);
            String s = new String(b).strip();
            return s.endsWith(tail);
        }
    }
}

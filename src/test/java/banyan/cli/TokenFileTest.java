package banyan.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/** `--token-file` is read by the same rules as a configuration: a FIFO, a device or a huge file is a usage error. */
class TokenFileTest {
    @TempDir
    Path dir;

    String refused(Path tokenFile) {
        ServeOptions o = new ServeOptions();
        o.control = dir.resolve("control.sock").toString();
        o.tokenFile = tokenFile;
        // The token is read before anything else is started, so no stack is needed to get this far.
        return assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(ServeOptions.UsageError.class, () -> o.start(null, null, null, null))).getMessage();
    }

    @Test
    void aFifoDeviceOrHugeTokenFileIsAUsageError() throws Exception {
        Path fifo = dir.resolve("token");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor());
        assertEquals("--token-file " + fifo + ": is a FIFO (named pipe), not a regular file", refused(fifo));
        assertEquals("--token-file /dev/zero: is a character device, not a regular file", refused(Path.of("/dev/zero")));
        Path huge = Files.writeString(dir.resolve("huge"), "t".repeat((1 << 20) + 1));
        assertTrue(refused(huge).endsWith(": is larger than 1 MiB, the most banyan reads from such a file"));
        Path bad = Files.write(dir.resolve("bad"), new byte[] {'a', (byte) 0xff});
        assertTrue(refused(bad).startsWith("--token-file " + bad + ":1:2: is not UTF-8 text"), refused(bad));
        assertEquals("--token-file " + dir.resolve("empty") + " is empty; put a long random token on its first line",
                refused(Files.writeString(dir.resolve("empty"), "\n")));
    }
}

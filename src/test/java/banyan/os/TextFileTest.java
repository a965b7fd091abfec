package banyan.os;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/** The rules for every file a user names: regular, bounded, UTF-8, and never a wait on a FIFO. */
class TextFileTest {
    @TempDir
    Path dir;

    /** The reason a read was refused; a guard ends a read that hangs (what a FIFO opened for reading does). */
    static TextFile.Unreadable refused(Path p, int limit) {
        return assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThrows(TextFile.Unreadable.class, () -> TextFile.read(p, limit)));
    }

    static String reason(Path p) {
        return refused(p, TextFile.MAX_BYTES).getMessage();
    }

    @Test
    void readsARegularFileAndFollowsSymlinks() throws Exception {
        Path f = Files.writeString(dir.resolve("a"), "héllo\n");
        assertEquals("héllo\n", TextFile.read(f));
        Path link = Files.createSymbolicLink(dir.resolve("link"), f);
        assertEquals("héllo\n", TextFile.read(link));
        assertEquals("", TextFile.read(Files.writeString(dir.resolve("empty"), "")));
    }

    @Test
    void refusesWhatIsNotARegularFile() throws Exception {
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor());
        assertEquals("is a FIFO (named pipe), not a regular file", reason(fifo));
        assertEquals("is a FIFO (named pipe), not a regular file", reason(Files.createSymbolicLink(dir.resolve("to-fifo"), fifo)));
        assertEquals("is a character device, not a regular file", reason(Path.of("/dev/zero")));
        assertEquals("is a directory, not a regular file", reason(dir));
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            Path sock = dir.resolve("sock");
            s.bind(UnixDomainSocketAddress.of(sock));
            assertEquals("is a socket, not a regular file", reason(sock));
        }
        assertEquals("no such file", reason(dir.resolve("none")));
        assertEquals("a part of the path is not a directory", reason(dir.resolve("fifo/x")));
        assertEquals("an empty file name", reason(Path.of("")));
    }

    @Test
    void aFifoIsNeverOpenedForReading() throws Exception {
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor());
        reason(fifo);
        // A writer opening without blocking fails with ENXIO unless someone holds the FIFO open for reading.
        Process writer = new ProcessBuilder("python3", "-c",
                "import os,sys\ntry:\n os.open(sys.argv[1], os.O_WRONLY|os.O_NONBLOCK); print('reader')\nexcept OSError as e: print(e.errno)",
                fifo.toString()).start();
        assertEquals("6", new String(writer.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
    }

    @Test
    void readsAtMostTheLimit() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x".repeat(100));
        assertEquals(100, TextFile.read(f, 100).length());
        assertEquals("is larger than 99 bytes, the most banyan reads from such a file", refused(f, 99).getMessage());
        assertEquals("is larger than 1 MiB, the most banyan reads from such a file",
                reason(Files.write(dir.resolve("big"), new byte[TextFile.MAX_BYTES + 1])));
    }

    @Test
    void readsProcFilesThatClaimToBeEmpty() throws Exception {
        assertEquals(0, Files.size(Path.of("/proc/self/status")), "the kernel says 0 bytes");
        assertTrue(TextFile.read(Path.of("/proc/self/status")).contains("\nPid:\t"));
        assertTrue(refused(Path.of("/proc/self/status"), 10).getMessage().startsWith("is larger than 10 bytes"), "and still bounded");
    }

    @Test
    void namesTheLineAndColumnOfTheFirstByteThatIsNotUtf8() throws Exception {
        byte[] ok = "a\nbc\n€d".getBytes(StandardCharsets.UTF_8);
        byte[] bad = java.util.Arrays.copyOf(ok, ok.length + 2);
        bad[ok.length] = (byte) 0x80;
        bad[ok.length + 1] = 'e';
        TextFile.Unreadable u = refused(Files.write(dir.resolve("bad"), bad), 1000);
        assertEquals(3, u.line());
        assertEquals(3, u.column());
        assertEquals("is not UTF-8 text (byte 0x80 here begins no character); save it as UTF-8", u.getMessage());
        TextFile.Unreadable cut = refused(Files.write(dir.resolve("cut"), new byte[] {'a', (byte) 0xe2, (byte) 0x82}), 1000);
        assertEquals(1, cut.line());
        assertEquals(2, cut.column(), "a character cut off at the end of the file");
    }
}

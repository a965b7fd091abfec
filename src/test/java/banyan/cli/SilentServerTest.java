package banyan.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A client talking to a "banyan" that accepts and never answers: a unix socket this test binds
 * and listens on, whose connections it never reads (they wait in the backlog), or reads and
 * answers only half. Every command ends with exit code 3 and says so, within its answer timeout
 * (made 1 s here with -Dbanyan.answerTimeout; 10 s by default), instead of hanging.
 */
class SilentServerTest {
    @TempDir
    Path dir;

    record Run(int code, String err, long millis) {}

    static Run banyan(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dbanyan.answerTimeout=1s", "-cp", System.getProperty("java.class.path"), "banyan.cli.Main"));
        cmd.addAll(List.of(args));
        long began = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the command ended");
        return new Run(p.exitValue(), err, (System.nanoTime() - began) / 1_000_000);
    }

    @Test
    void aServerThatNeverReadsEndsEveryCommandWithExit3() throws Exception {
        Path socket = dir.resolve("silent.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket), 64); // listening: connects succeed, and nobody reads
            String c = socket.toString();
            for (String[] args : List.of(new String[]{"status", "--control", c}, new String[]{"status", "web", "--json", "--control", c},
                    new String[]{"stop", "web", "--no-wait", "--control", c}, new String[]{"signal", "web", "HUP", "--control", c},
                    new String[]{"logs", "web", "-f", "--control", c}, new String[]{"reload", "--control", c},
                    new String[]{"wait", "web", "--timeout", "1s", "--control", c}, new String[]{"shutdown", "--no-wait", "--control", c})) {
                Run r = banyan(args);
                String where = String.join(" ", args) + " -> " + r;
                assertEquals(Main.UNREACHABLE, r.code(), where);
                assertTrue(r.err().contains("banyan at " + c + " accepted the connection but did not answer within "), where);
                assertFalse(r.err().contains("Exception"), where);
            }
        }
    }

    @Test
    void anAnswerCutShortEndsWithExit3() throws Exception {
        Path socket = dir.resolve("half.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread t = Thread.ofVirtual().start(() -> {
                try (SocketChannel ch = server.accept()) {
                    ch.read(ByteBuffer.allocate(4096));
                    ch.write(ByteBuffer.wrap("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"services\":".getBytes(StandardCharsets.UTF_8)));
                    Thread.sleep(30_000); // and the rest never comes
                } catch (Exception e) {
                    // the test ends it
                }
            });
            Run r = banyan("status", "--control", socket.toString());
            t.interrupt();
            assertEquals(Main.UNREACHABLE, r.code(), r.toString());
            assertTrue(r.err().contains("did not answer within 1 s"), r.toString());
        }
    }
}

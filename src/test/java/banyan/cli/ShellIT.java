package banyan.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * `banyan shell` on a real terminal: a Python pty (src/test/resources/shell-driver.py) runs the
 * client, types, resizes, sends Ctrl-C and Ctrl-Z, detaches; a second terminal reattaches and
 * sees the scrollback while a client over TCP with the token sees the same output; the exit code
 * of the shell is every client's.
 */
class ShellIT {
    private static final String SHELL = "[\"env\",\"PS1=ps1> \",\"sh\",\"-i\"]";

    @Test
    void aShellOnAPtyTypedIntoResizedInterruptedDetachedAndResumedByTwoClients() throws Exception {
        try (RealUp up = new RealUp("[service.idle]\ncommand = [\"sleep\", \"100000\"]\n")) {
            Path driver = Path.of(getClass().getResource("/shell-driver.py").toURI());
            List<String> shell = new ArrayList<>(RealUp.java("shell", "--control", up.socket.toString(), "--", "env", "PS1=ps1> ", "sh", "-i"));
            Driven first = drive(driver, "first", shell);
            assertEquals(0, first.code, first.out);
            for (String step : List.of("size", "resize", "ctrl-c", "ctrl-z", "detach")) assertTrue(first.out.contains("ok " + step + "\n"), first.out);
            assertTrue(first.out.contains("exit 0\n"), "detaching leaves with 0: " + first.out);
            Matcher m = Pattern.compile("session ([0-9a-f]{8})").matcher(first.out);
            assertTrue(m.find(), first.out);
            String id = m.group(1);

            RealUp.Run list = RealUp.banyan(Map.of(), "sessions", "--control", up.socket.toString());
            assertEquals(0, list.code(), list.err());
            assertTrue(Pattern.compile("(?m)^" + id + "\\s+\\d+\\s+0\\s+120x50\\s").matcher(list.out()).find(), "detached, its last size: " + list.out());
            RealUp.Run json = RealUp.banyan(Map.of(), "sessions", "--json", "--control", up.socket.toString());
            assertTrue(json.out().contains("\"id\":\"" + id + "\"") && json.out().contains(SHELL), json.out());

            // a second client over TCP with the token, its stdin a pipe held open: it sees what the terminal types
            ProcessBuilder tcp = new ProcessBuilder(RealUp.java("shell", "--attach", id, "--control", up.url())).redirectErrorStream(true);
            tcp.environment().put("BANYAN_TOKEN", RealUp.TOKEN);
            Process remote = tcp.start();
            CompletableFuture<byte[]> remoteOut = RealUp.drain(remote.getInputStream());
            long end = System.nanoTime() + 60_000_000_000L;
            while (!Pattern.compile("(?m)^" + id + "\\s+\\d+\\s+1\\s").matcher(RealUp.banyan(Map.of(), "sessions", "--control", up.socket.toString()).out()).find()) {
                assertTrue(remote.isAlive() && System.nanoTime() < end, "the remote client did not attach");
                Thread.sleep(50);
            }
            Driven again = drive(driver, "again", new ArrayList<>(RealUp.java("shell", "--attach", id, "--control", up.socket.toString())));
            assertTrue(again.out.contains("ok scrollback\n") && again.out.contains("ok typed\n"), again.out);
            assertTrue(again.out.contains("exit 5\n"), "the shell's exit code is the client's: " + again.out);
            assertTrue(remote.waitFor(30, TimeUnit.SECONDS), "the remote client ends with the session");
            String seen = new String(remoteOut.get(), StandardCharsets.UTF_8);
            assertEquals(5, remote.exitValue(), seen);
            assertTrue(seen.contains("both-2"), "the other client saw the output: " + seen);
            remote.getOutputStream().close();

            RealUp.Run gone = RealUp.banyan(Map.of(), "shell", "--attach", id, "--control", up.socket.toString());
            assertEquals(2, gone.code(), gone.err());
            assertTrue(gone.err().contains("no shell session '" + id + "'"), gone.err());
            RealUp.Run empty = RealUp.banyan(Map.of(), "sessions", "--control", up.socket.toString());
            assertFalse(empty.out().contains(id), empty.out());
        }
    }

    @Test
    void aCommandsOutputAndExitCodePassThroughAndAMissingBanyanIsExitThree() throws Exception {
        try (RealUp up = new RealUp("[service.idle]\ncommand = [\"sleep\", \"100000\"]\n")) {
            RealUp.Run echo = RealUp.banyan(Map.of(), "shell", "--control", up.socket.toString(), "--", "sh", "-c", "tty; echo out; exit 3");
            assertEquals(3, echo.code(), echo.err());
            assertTrue(Pattern.compile("(?m)^/dev/pts/\\d+\\r?$").matcher(echo.out()).find(), "runs on a pty: " + echo.out());
            assertTrue(echo.out().contains("out"), echo.out());
            RealUp.Run detached = RealUp.banyan(Map.of(), "shell", "--detach", "--control", up.socket.toString(), "--", "sleep", "1000");
            assertEquals(0, detached.code(), detached.err());
            assertTrue(detached.out().strip().matches("[0-9a-f]{8}"), detached.out());
            RealUp.Run missing = RealUp.banyan(Map.of(), "shell", "--control", up.socket.toString(), "--", "no-such-program-here");
            assertEquals(1, missing.code(), missing.err());
            assertTrue(missing.err().contains("'no-such-program-here' not found"), missing.err());
            RealUp.Run root = RealUp.banyan(Map.of(), "shell", "--root", "app", "--control", up.socket.toString());
            assertEquals(2, root.code(), root.err());
        }
        Path nowhere = Files.createTempDirectory("banyan-none").resolve("control.sock");
        RealUp.Run none = RealUp.banyan(Map.of(), "shell", "--control", nowhere.toString());
        assertEquals(3, none.code(), none.err());
        assertTrue(none.err().contains("not reachable"), none.err());
    }

    record Driven(int code, String out) {}

    private static Driven drive(Path driver, String phase, List<String> client) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("python3", driver.toString(), phase));
        cmd.addAll(client);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("TERM", "xterm");
        Process p = pb.start();
        CompletableFuture<byte[]> out = RealUp.drain(p.getInputStream());
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("the pty driver did not end: " + new String(out.get(), StandardCharsets.UTF_8));
        }
        return new Driven(p.exitValue(), new String(out.get(), StandardCharsets.UTF_8));
    }
}

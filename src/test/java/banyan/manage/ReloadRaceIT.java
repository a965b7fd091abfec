package banyan.manage;

import banyan.TestHost;
import banyan.config.StackConfig;
import banyan.supervise.ServiceStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.*;

/** Reloads that overlap what an earlier reload, a start or a shutdown left in progress, with real processes. */
class ReloadRaceIT {
    @TempDir
    Path dir;
    final TestHost t = new TestHost();
    Stack stack;
    final String marker = "100" + ProcessHandle.current().pid() + "." + System.nanoTime() % 100000; // a sleep time no one else uses

    @AfterEach
    void down() throws Exception {
        if (stack != null) stack.down();
        List<Long> left = running(marker);
        left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        assertEquals(List.of(), left, "no process outlives its stack");
    }

    /** Processes whose command line holds text, read from /proc. */
    static List<Long> running(String text) {
        List<Long> out = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            try {
                String cmd = Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline")).replace('\0', ' ');
                if (cmd.contains(text) && p.isAlive()) out.add(p.pid());
            } catch (IOException gone) {
                // ended meanwhile
            }
        });
        return out;
    }

    static void within(Duration limit, BooleanSupplier done, String what) {
        long end = System.nanoTime() + limit.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) fail("not within " + limit + ": " + what);
            LockSupport.parkNanos(2_000_000);
        }
    }

    /** Its first stop waits until DIR/release-NAME is written, so the test decides how long it stays "stopping". */
    String slowStop(String name) throws Exception {
        Path fifo = dir.resolve("release-" + name);
        new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
        return """
                [service.%1$s]
                command = "trap 'if [ -p %2$s ]; then read x < %2$s; fi; exit 0' TERM; sleep %3$s & wait"
                stop_timeout = "60s"
                """.formatted(name, fifo, marker);
    }

    void release(String name) throws IOException {
        Path fifo = dir.resolve("release-" + name);
        Files.writeString(fifo, "go\n"); // opening blocks until the trap reads: it is stopping
        Files.delete(fifo); // later stops are quick
    }

    String plain(String name) {
        return """
                [service.%1$s]
                command = "exec sleep %2$s"
                """.formatted(name, marker);
    }

    ServiceStatus status(String name) {
        return stack.get(name).orElseThrow().status();
    }

    /**
     * A reload drops s, which takes its time to stop; the next reload brings it back before it is
     * down. It must then come back up, not be closed and dropped once down: before, the second
     * reload left it marked for removal, and the stack ended with nothing of the file in force.
     */
    @Test
    void aServiceBroughtBackWhileItStillStopsComesBackUp() throws Exception {
        String s = slowStop("s"), other = plain("other");
        StackConfig withS = TestHost.config(dir, s + other);
        stack = new Stack(withS, t.host);
        stack.up();
        assertEquals(Map.of("s", "ready", "other", "ready"), stack.awaitUp(Duration.ofSeconds(20)).orElseThrow());
        int first = status("s").pid();
        assertEquals(List.of("s"), stack.reload(TestHost.config(dir, other)).removed());
        assertTrue(stack.get("s").orElseThrow().await(st -> st.state().equals("stopping"), Duration.ofSeconds(10)));
        Stack.Diff back = stack.reload(withS);
        release("s");
        assertEquals(Map.of("s", "ready", "other", "ready"), stack.awaitUp(Duration.ofSeconds(20)).orElseThrow());
        assertTrue(stack.get("s").orElseThrow().await(st -> st.state().equals("up") && st.pid() != first, Duration.ofSeconds(10)),
                stack.statuses().toString());
        assertEquals(List.of("s"), back.added(), "against the file before, s is back: " + back);
        assertEquals(List.of(), back.removed(), back.toString());
    }

    /**
     * Once down() is asked, a reload is refused whole and a start is ignored: before, a reload that
     * came in while the stack went down made its services wanted again and started new ones, which
     * the closing supervisors then kept running after banyan.
     */
    @Test
    void aReloadOrStartDuringShutdownIsRefusedAndStartsNothing() throws Exception {
        String s = slowStop("s");
        StackConfig config = TestHost.config(dir, s);
        stack = new Stack(config, t.host);
        stack.up();
        assertEquals(Map.of("s", "ready"), stack.awaitUp(Duration.ofSeconds(20)).orElseThrow());
        Stack going = stack;
        CompletableFuture<Void> down = CompletableFuture.runAsync(() -> {
            try {
                going.down();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(stack.get("s").orElseThrow().await(st -> st.state().equals("stopping"), Duration.ofSeconds(10)));
        Stack.GoingDown refused = assertThrows(Stack.GoingDown.class, () -> going.reload(TestHost.config(dir, s + plain("late"))));
        assertTrue(refused.getMessage().contains("not applied"), refused.getMessage());
        stack.start("s");
        release("s");
        down.get(30, TimeUnit.SECONDS);
        stack = null;
        assertEquals("down", going.get("s").orElseThrow().status().state());
        assertTrue(going.get("late").isEmpty());
        assertTrue(t.changes.stream().noneMatch(c -> c.name().equals("late")), "nothing of the refused reload started");
        assertEquals(1, t.changes.stream().filter(c -> c.name().equals("s") && c.state().equals("up")).count(),
                "s came up once, at bring-up: " + t.changes);
    }

    /**
     * Reloads that add y and drop it again at once, so that the stack's start of y is often still in
     * y's mailbox (its status still "down") when the second reload's swap looks at it. Closing it then
     * let the start spawn a process that no supervisor in the stack would stop.
     */
    @Test
    void aServiceDroppedWhileItsStartIsOnItsWayLeavesNoProcess() throws Exception {
        StackConfig without = TestHost.config(dir, plain("a"));
        Path withFile = dir.resolve("with.toml");
        Files.writeString(withFile, plain("a") + plain("y"));
        StackConfig with = banyan.config.ConfigLoader.load(withFile);
        stack = new Stack(without, t.host);
        stack.up();
        assertEquals(Map.of("a", "ready"), stack.awaitUp(Duration.ofSeconds(20)).orElseThrow());
        int a = status("a").pid();
        for (int round = 0; round < 40; round++) {
            stack.reload(with);
            stack.reload(without);
        }
        within(Duration.ofSeconds(20), () -> stack.get("y").isEmpty(), "y dropped: " + stack.statuses());
        within(Duration.ofSeconds(20), () -> running(marker).size() == 1, "only a runs: " + running(marker));
        assertEquals(List.of((long) a), running(marker));
        assertEquals(a, status("a").pid(), "a kept its process through every reload");
    }
}

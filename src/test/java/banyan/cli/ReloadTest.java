package banyan.cli;

import banyan.TestHost;
import banyan.manage.Stack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/** What SIGHUP does in `banyan up`: an invalid file is rejected whole and the running stack is left as it was. */
class ReloadTest {
    @TempDir
    Path dir;

    @Test
    void invalidReloadChangesNothing() throws Exception {
        TestHost t = new TestHost();
        Path file = dir.resolve("banyan.toml");
        Files.writeString(file, """
                [service.steady]
                command = "exec sleep 100"
                """);
        Stack stack = new Stack(banyan.config.ConfigLoader.load(file), t.host);
        try {
            stack.up();
            assertTrue(stack.awaitUp(Duration.ofSeconds(10)).isPresent());
            int pid = stack.get("steady").orElseThrow().status().pid();
            Files.writeString(file, """
                    [service.steady]
                    command = "exec sleep 200"
                    [service.loop]
                    command = "x"
                    requires = ["steady", "loop2"]
                    [service.loop2]
                    command = "y"
                    requires = ["loop"]
                    """);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Console console = new Console(new PrintStream(out, true, StandardCharsets.UTF_8)::println, 6);
            Reload reload = new Reload(file, stack, () -> Configs.load(file), console);
            Reload.Rejected rejected = assertThrows(Reload.Rejected.class, reload::call);
            assertTrue(rejected.getMessage().contains("dependency cycle: loop → loop2 → loop"), rejected.getMessage());
            String printed = out.toString(StandardCharsets.UTF_8);
            assertTrue(printed.contains("dependency cycle: loop → loop2 → loop"), printed);
            assertTrue(printed.contains("reload rejected: 1 problem(s)"), printed);
            assertEquals(pid, stack.get("steady").orElseThrow().status().pid());
            assertTrue(stack.get("loop").isEmpty());

            Files.writeString(file, """
                    [service.steady]
                    command = "exec sleep 100"
                    [service.extra]
                    command = "exec sleep 100"
                    """);
            out.reset();
            assertTrue(reload.call().endsWith("added [extra], removed [], restarted [], unchanged 1"));
            Reload.report(stack, console);
            printed = out.toString(StandardCharsets.UTF_8);
            assertTrue(printed.contains("added [extra], removed [], restarted [], unchanged 1"), printed);
            assertTrue(printed.contains("up: 2 of 2 ready"), printed);
            assertEquals(pid, stack.get("steady").orElseThrow().status().pid());
        } finally {
            stack.down();
        }
    }
}

package banyan.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    List<String> problems(String text) throws IOException {
        Path p = write("banyan.toml", text);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(p));
        return e.problems().stream().map(Problem::toString).map(s -> s.replace(p.toString(), "F")).toList();
    }

    @Test
    void readsAServiceWithEveryKey() throws Exception {
        write("env", "# comment\nexport A=1\nB=\"two words\"\n");
        StackConfig c = ConfigLoader.load(write("banyan.toml", """
                [service.web]
                command = ["python3", "-m", "http.server"]
                restart = "on-failure"
                min_uptime = "2s"
                backoff = "50ms"
                backoff_max = "1m"
                backoff_reset = "30s"
                max_restarts = 7
                restart_window = "1m30s"
                stop_signal = "SIGINT"
                stop_timeout = "250ms"
                env_file = "env"
                env = { B = "override", PORT = 8080 }
                working_dir = "/tmp"
                user = "nobody"
                group = "nogroup"

                [service.shell]
                command = "echo hi && sleep 1"
                """));
        ServiceConfig web = c.services().get("web");
        assertEquals(List.of("python3", "-m", "http.server"), web.command());
        assertEquals(RestartPolicy.Mode.ON_FAILURE, web.restart().mode());
        assertEquals(Duration.ofMillis(50), web.restart().backoff());
        assertEquals(Duration.ofSeconds(90), web.restart().restartWindow());
        assertEquals(7, web.restart().maxRestarts());
        assertEquals(2, web.stopSignal());
        assertEquals(Duration.ofMillis(250), web.stopTimeout());
        assertEquals("1", web.env().get("A"));
        assertEquals("override", web.env().get("B"));
        assertEquals("8080", web.env().get("PORT"));
        assertEquals("nobody", web.user().orElseThrow().name());
        assertEquals(65534, web.user().orElseThrow().gid());
        assertEquals(List.of("/bin/sh", "-c", "echo hi && sleep 1"), c.services().get("shell").command());
        assertEquals(List.of("web", "shell"), List.copyOf(c.services().keySet()), "file order is kept");
        assertEquals(1, web.place().line());
    }

    @Test
    void tomlSyntaxErrorsCarryLineAndColumn() throws IOException {
        List<String> p = problems("""
                [service.a]
                command = ["sleep" "1"]
                """);
        assertTrue(p.getFirst().startsWith("F:2:"), p.toString());
        assertTrue(p.getFirst().contains("TOML syntax"), p.toString());
    }

    @Test
    void unknownKeyNamesTheNearestValidKey() throws IOException {
        List<String> p = problems("""
                [service.a]
                command = ["sleep", "1"]
                stop_timout = "5s"
                """);
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().startsWith("F:3:1: service.a.stop_timout: unknown key; did you mean 'stop_timeout'?"), p.getFirst());
    }

    @Test
    void everyBadValueIsReportedWithItsPlaceAndWhatIsAllowed() throws IOException {
        List<String> p = problems("""
                [service.a]
                command = ["sleep", "1"]
                restart = "sometimes"
                stop_signal = "TERMINATE"
                stop_timeout = "ten seconds"
                max_restarts = -1
                working_dir = "relative/dir"
                user = "no-such-user-here"

                [service.b]
                command = []

                [service.c]
                restart = "always"

                [service."bad name!"]
                command = "true"
                """);
        String all = String.join("\n", p);
        assertTrue(all.contains("F:3:1: service.a.restart: 'sometimes' is not allowed; use one of: always, on-failure, never"), all);
        assertTrue(all.contains("F:4:1: service.a.stop_signal: 'TERMINATE' is not a signal"), all);
        assertTrue(all.contains("F:5:1: service.a.stop_timeout: 'ten seconds' is not a duration"), all);
        assertTrue(all.contains("F:6:1: service.a.max_restarts: must be an integer from 0"), all);
        assertTrue(all.contains("F:7:1: service.a.working_dir: 'relative/dir' must be an absolute path"), all);
        assertTrue(all.contains("F:8:1: service.a.user: no user 'no-such-user-here'"), all);
        assertTrue(all.contains("F:11:1: service.b.command: is an empty array"), all);
        assertTrue(all.contains("service.c]: missing key 'command'"), all);
        assertTrue(all.contains("may hold only letters"), all);
        assertEquals(9, p.size(), all);
    }

    @Test
    void loggerIsAnArgvOrShellTextAndPartOfWhatReloadCompares() throws Exception {
        StackConfig c = ConfigLoader.load(write("banyan.toml", """
                [service.a]
                command = ["sleep", "1"]
                logger = ["s6-log", "n10", "/var/log/a"]

                [service.b]
                command = ["sleep", "1"]
                logger = "exec cat >> /tmp/b.log"

                [service.c]
                command = ["sleep", "1"]
                """));
        assertEquals(java.util.Optional.of(List.of("s6-log", "n10", "/var/log/a")), c.services().get("a").logger());
        assertEquals(java.util.Optional.of(List.of("/bin/sh", "-c", "exec cat >> /tmp/b.log")), c.services().get("b").logger());
        assertEquals(java.util.Optional.empty(), c.services().get("c").logger());
        StackConfig other = ConfigLoader.load(write("banyan.toml", """
                [service.a]
                command = ["sleep", "1"]
                logger = ["s6-log", "n20", "/var/log/a"]
                """));
        assertFalse(other.services().get("a").sameAs(c.services().get("a")), "a new logger restarts the service on reload");
    }

    @Test
    void badLoggersAreReportedWithTheirPlace() throws IOException {
        List<String> p = problems("""
                [service.a]
                command = ["sleep", "1"]
                logger = []

                [service.b]
                command = ["sleep", "1"]
                logger = ["s6-log", 10, "/var/log/b"]

                [service.c]
                command = ["sleep", "1"]
                logger = { program = "s6-log" }

                [service.d]
                command = ["sleep", "1"]
                logger = "  "

                [service.e]
                command = ["sleep", "1"]
                logger = ["cat"]
                ready = { log = "started" }
                """);
        String all = String.join("\n", p);
        assertTrue(all.contains("F:3:1: service.a.logger: is an empty array; name the logger program, as in [\"s6-log\", \"n10\", \"/var/log/a\"]"), all);
        assertTrue(all.contains("F:7:1: service.b.logger: element 2 must be a string, not the integer 10"), all);
        assertTrue(all.contains("F:11:1: service.c.logger: must be an array of strings, not a table"), all);
        assertTrue(all.contains("F:15:1: service.d.logger: is empty"), all);
        assertTrue(all.contains("F:20:1: service.e.ready: ready = { log = ... } reads the output, which goes to the logger"), all);
        assertEquals(5, p.size(), all);
    }

    @Test
    void wrongTypesAndUnknownSectionsAreNamed() throws IOException {
        List<String> p = problems("""
                [servce.a]
                command = "true"

                [service.b]
                command = 42
                env = "A=1"
                """);
        String all = String.join("\n", p);
        assertTrue(all.contains("F:1:1: top level.servce: unknown key; did you mean 'service'?"), all);
        assertTrue(all.contains("F:5:1: service.b.command: must be an array of strings, not the integer 42"), all);
        assertTrue(all.contains("F:6:1: service.b.env: must be a table such as { NAME = \"value\" }"), all);
    }

    @Test
    void aDirectoryIsMergedInNameOrderAndDuplicatesAreRejected() throws IOException {
        Path d = Files.createDirectory(dir.resolve("conf.d"));
        Files.writeString(d.resolve("20-b.toml"), "[service.b]\ncommand = \"true\"\n");
        Files.writeString(d.resolve("10-a.toml"), "[service.a]\ncommand = \"true\"\n");
        Files.writeString(d.resolve("README"), "not toml");
        try {
            assertEquals(List.of("a", "b"), List.copyOf(ConfigLoader.load(d).services().keySet()));
        } catch (ConfigException e) {
            fail(e.getMessage());
        }
        Files.writeString(d.resolve("30-again.toml"), "\n[service.a]\ncommand = \"false\"\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(d));
        assertTrue(e.getMessage().contains("30-again.toml:2:1: [service.a]: service 'a' is already defined at " + d.resolve("10-a.toml") + ":1:1"), e.getMessage());
    }

    @Test
    void missingFileSaysWhatToDo() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("nope.toml")));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms").orElseThrow());
        assertEquals(Duration.ofSeconds(90), Durations.parse("1m30s").orElseThrow());
        assertEquals(Duration.ofMillis(1500), Durations.parse("1.5s").orElseThrow());
        assertTrue(Durations.parse("10").isEmpty());
        assertTrue(Durations.parse("5 s").isEmpty());
        assertTrue(Durations.parse("-1s").isEmpty());
        assertEquals("1500ms", Durations.format(Duration.ofMillis(1500)));
        assertEquals("5m", Durations.format(Duration.ofMinutes(5)));
    }
}

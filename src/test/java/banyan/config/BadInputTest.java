package banyan.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Hostile and mistaken input (issue 17: items 3, 4, 6, 8, 9, 12): each is a ConfigException naming
 * its place, never another exception, a hang or a heap run dry.
 */
class BadInputTest {
    @TempDir
    Path dir;

    /** The problems of loading path, with its name shortened to F; a guard ends a load that hangs (a FIFO opened for reading). */
    List<String> problems(Path path) {
        ConfigException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(ConfigException.class, () -> ConfigLoader.load(path)));
        return e.problems().stream().map(Problem::toString).map(s -> path.toString().isEmpty() ? s : s.replace(path.toString(), "F")).toList();
    }

    List<String> problems(String text) throws IOException {
        return problems(Files.writeString(dir.resolve("banyan.toml"), text));
    }

    static void assertOne(String expectedStart, String expectedPart, List<String> problems) {
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.getFirst().startsWith(expectedStart), problems.toString());
        assertTrue(problems.getFirst().contains(expectedPart), problems.toString());
    }

    Path fifo(String name) throws Exception {
        Path p = dir.resolve(name);
        Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        assertEquals(0, mk.waitFor());
        return p;
    }

    // ---- 3: nesting that would overflow the parser's stack ----

    @Test
    void deeplyNestedInlineTablesAreALocatedProblem() throws IOException {
        List<String> p = problems("[service.a]\ncommand = \"true\"\nenv = " + "{a=".repeat(3000) + "1" + "}".repeat(3000) + "\n");
        // the 17th brace: "env = " is 6 characters, each level 3 more
        assertOne("F:3:" + (6 + 16 * 3 + 1) + ": ", "nest more than 16 levels", p);
    }

    @Test
    void thousandsOfOpenBracketsAreALocatedProblem() throws IOException {
        assertOne("F:2:21: ", "nest more than 16 levels", problems("# a comment\nx = " + "[".repeat(3000)));
    }

    @Test
    void depthCountsOnlyBracketsOutsideStringsAndComments() {
        Path f = Path.of("F");
        String deep = "[".repeat(17);
        assertTrue(TomlDepth.tooDeep(f, "x = " + "[".repeat(16) + "1" + "]".repeat(16), 16).isEmpty());
        assertTrue(TomlDepth.tooDeep(f, "x = " + "[".repeat(8) + "]".repeat(8) + "\ny = " + "[".repeat(16), 16).isEmpty(),
                "closed brackets give their levels back");
        for (String hidden : List.of("a = \"" + deep + "\"", "a = '" + deep + "'", "# " + deep, "a = \"\"\"\n" + deep + "\n\"\"\"",
                "a = '''" + deep + "'''", "a = \"\\\"" + deep + "\"", "a = \"\"\"x\"\"\"\"\" # " + deep))
            assertTrue(TomlDepth.tooDeep(f, hidden, 16).isEmpty(), hidden);
        assertEquals(new Place(f, 4, 21), TomlDepth.tooDeep(f, "a = \"\"\"\n[\n\"\"\"\nb = " + deep, 16).orElseThrow(),
                "lines inside a multi-line string are counted");
        assertEquals(new Place(f, 2, 21), TomlDepth.tooDeep(f, "a = 'unclosed [[[\nb = " + deep, 16).orElseThrow(),
                "a one-line string ends at its line");
    }

    // ---- 4 and 12: files that are not small regular files ----

    @Test
    void aDeviceAsTheConfigurationIsRefusedUnread() {
        assertOne("F: ", "is a character device, not a regular file", problems(Path.of("/dev/zero")));
    }

    @Test
    void aFifoAsTheConfigurationIsRefusedWithoutWaitingForAWriter() throws Exception {
        Path p = fifo("banyan.toml");
        assertOne("F: ", "is a FIFO (named pipe), not a regular file", problems(p));
    }

    @Test
    void aFifoAmongTheFilesOfADirectoryIsRefused() throws Exception {
        Files.writeString(dir.resolve("a.toml"), "[service.a]\ncommand = \"true\"\n");
        fifo("b.toml");
        assertOne("F/b.toml: ", "is a FIFO", problems(dir));
    }

    @Test
    void aConfigurationOverOneMebibyteIsRefused() throws IOException {
        String service = "[service.a]\ncommand = \"true\"\n";
        Path exact = dir.resolve("exact.toml");
        Files.writeString(exact, service + "#".repeat((1 << 20) - service.length() - 1) + "\n");
        assertEquals(1 << 20, Files.size(exact));
        assertEquals(List.of("a"), List.copyOf(assertDoesNotThrow(() -> ConfigLoader.load(exact)).services().keySet()));
        Files.writeString(exact, "#", java.nio.file.StandardOpenOption.APPEND);
        assertOne("F: ", "is larger than 1 MiB", problems(exact));
    }

    @Test
    void anEnvFileThatIsADeviceAFifoOrHugeIsALocatedProblem() throws Exception {
        Path fifo = fifo("env.fifo");
        Path huge = dir.resolve("huge.env");
        Files.writeString(huge, "A=" + "x".repeat(1 << 20) + "\n");
        for (String[] c : List.of(new String[] {"/dev/zero", "is a character device"}, new String[] {fifo.toString(), "is a FIFO"},
                new String[] {huge.toString(), "is larger than 1 MiB"}, new String[] {dir.toString(), "is a directory"}))
            assertOne("F:3:1: service.a.env_file: " + c[0] + ": ", c[1],
                    problems("[service.a]\ncommand = \"true\"\nenv_file = \"" + c[0] + "\"\n"));
    }

    // ---- 6: commands that name no program ----

    @Test
    void everyCommandMustNameAProgram() throws IOException {
        String[][] cases = {
                {"type = \"oneshot\"\nstop_command = []", "service.a.stop_command: is an empty array"},
                {"type = \"oneshot\"\nstop_command = [\"\", \"x\"]", "service.a.stop_command: names no program"},
                {"type = \"oneshot\"\nstop_command = \" \"", "service.a.stop_command: is empty"},
                {"logger = []", "service.a.logger: is an empty array"},
                {"logger = [\"\"]", "service.a.logger: names no program"},
                {"ready = { exec = [\"\"] }", "service.a.ready.exec: names no program"},
                {"ready = { exec = \"\" }", "service.a.ready.exec: is empty"},
                {"liveness = { exec = [] }", "service.a.liveness.exec: is an empty array"},
        };
        for (String[] c : cases) assertOne("F:", c[1], problems("[service.a]\ncommand = \"true\"\n" + c[0] + "\n"));
        assertOne("F:2:1: ", "service.a.command: names no program", problems("[service.a]\ncommand = [\"\", \"x\"]\n"));
    }

    @Test
    void aNulCannotReachAProgramOrItsEnvironment() throws IOException {
        assertOne("F:2:1: ", "service.a.command: holds a NUL", problems("[service.a]\ncommand = [\"sleep\", \"1\\u00002\"]\n"));
        assertOne("F:3:1: ", "service.a.env: holds a NUL", problems("[service.a]\ncommand = \"true\"\nenv = { A = \"x\\u0000\" }\n"));
        assertOne("F:3:1: ", "service.a.env: 'A=B' is not a variable name", problems("[service.a]\ncommand = \"true\"\nenv = { \"A=B\" = \"1\" }\n"));
    }

    // ---- 8: numbers out of range ----

    @Test
    void aUidOrGidOutOfRangeIsALocatedProblem() throws IOException {
        assertOne("F:3:1: ", "service.a.user: uid 99999999999999 is out of range (0 to 2147483647)",
                problems("[service.a]\ncommand = \"true\"\nuser = \"99999999999999\"\n"));
        assertOne("F:3:1: ", "service.a.group: gid 2147483648 is out of range",
                problems("[service.a]\ncommand = \"true\"\ngroup = \"2147483648\"\n"));
    }

    @Test
    void durationsAndSizesThatOverflowAreRefusedNotWrapped() throws IOException {
        assertOne("F:3:1: ", "service.a.stop_timeout: '999999999999999999d' is longer than 36500d",
                problems("[service.a]\ncommand = \"true\"\nstop_timeout = \"999999999999999999d\"\n"));
        assertOne("F:3:1: ", "is longer than 36500d", problems("[service.a]\ncommand = \"true\"\nbackoff_max = \"36500d1ms\"\n"));
        assertTrue(Durations.parse("36500d").isPresent());
        assertOne("F:1:1: ", "log_max_size: '999999999999999GiB' is not a size", problems("log_max_size = \"999999999999999GiB\"\n"));
        assertEquals(Long.MAX_VALUE - (1L << 30) + 1, Sizes.parse("8589934591GiB").orElseThrow());
        assertTrue(Sizes.parse("8589934592GiB").isEmpty(), "2^63 bytes do not fit in a long");
    }

    // ---- 9: errors with a place ----

    @Test
    void invalidUtf8IsNamedWithItsLineAndColumn() throws IOException {
        Path p = dir.resolve("banyan.toml");
        byte[] head = "[service.a]\ncommand = [\"é".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = java.util.Arrays.copyOf(head, head.length + 3);
        bytes[head.length] = (byte) 0xff;
        bytes[head.length + 1] = '"';
        bytes[head.length + 2] = ']';
        Files.write(p, bytes);
        assertOne("F:2:14: ", "is not UTF-8 text (byte 0xff", problems(p));
    }

    @Test
    void anEnvFileNotInUtf8IsNamedWithItsLine() throws IOException {
        Files.write(dir.resolve("env"), new byte[] {'A', '=', '1', '\n', 'B', '=', (byte) 0xc3});
        assertOne("F:3:1: service.a.env_file: " + dir.resolve("env") + ":2:3: ", "is not UTF-8",
                problems("[service.a]\ncommand = \"true\"\nenv_file = \"env\"\n"));
    }

    @Test
    void aBootTargetThatDoesNotExistNamesItsLine() throws IOException {
        assertOne("F:3:1: ", "boot.target: no [target.zz]; defined: default", problems("""
                [boot]
                # which one
                target = "zz"
                [service.a]
                command = "true"
                [target.default]
                requires = ["a"]
                """));
    }

    @Test
    void anEmptyFileNameIsSaidInWords() {
        assertEquals(List.of("the configuration's name is empty; pass -f FILE (a banyan.toml) or -f DIR (a directory of *.toml)"),
                problems(Path.of("")));
    }
}

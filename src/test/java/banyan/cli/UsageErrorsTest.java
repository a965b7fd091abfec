package banyan.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every subcommand with missing, extra or malformed arguments: exit 2, what is wrong, a usage line
 * with the command's synopsis, and where its help is; never a stack trace. Client commands are
 * given a control socket that does not exist, so a check that wrongly waited for the server would
 * show as exit 3. The server's own refusal of a name (404, exit 2) is in CliEndToEndTest.
 */
class UsageErrorsTest {
    record Case(String command, List<String> args, String says) {}

    static final String NOWHERE = "/nonexistent/banyan-usage-test.sock";

    static final List<Case> CASES = List.of(
            c("status", "Unmatched argument", "status", "a", "b"),
            c("status", "Unknown option: '--bogus'", "status", "--bogus"),
            c("status", "Missing required parameter for option '--control'", "status", "--control"),
            c("status", "--token-file /nonexistent/token: no such file", "status", "--token-file", "/nonexistent/token", "--control", NOWHERE),
            c("status", "needs its token", "status", "--control", "http://127.0.0.1:1"),
            c("start", "Missing required parameter: 'NAME'", "start"),
            c("start", "--timeout 'soon' is not a duration", "start", "x", "--timeout", "soon", "--control", NOWHERE),
            c("start", "Unknown option: '--bogus'", "start", "x", "--bogus"),
            c("stop", "Missing required parameter: 'NAME'", "stop"),
            c("stop", "--timeout '-1s' is not a duration", "stop", "x", "--timeout=-1s", "--control", NOWHERE),
            c("restart", "Missing required parameter: 'NAME'", "restart"),
            c("restart", "--timeout '10' is not a duration", "restart", "x", "--timeout", "10", "--control", NOWHERE),
            c("signal", "Missing required parameters: 'NAME', 'SIG'", "signal"),
            c("signal", "Missing required parameter: 'SIG'", "signal", "x"),
            c("signal", "Unmatched argument", "signal", "x", "HUP", "extra"),
            c("signal", "'NOPE' is not a signal", "signal", "x", "NOPE", "--control", NOWHERE),
            c("signal", "'HUP ' is not a signal", "signal", "x", "HUP ", "--control", NOWHERE),
            c("logs", "Missing required parameter: 'NAME'", "logs"),
            c("logs", "'abc' is not an int", "logs", "x", "-n", "abc"),
            c("logs", "-n must be 0 or more", "logs", "x", "-n", "-1", "--control", NOWHERE),
            c("logs", "Unmatched argument", "logs", "a", "b"),
            c("wait", "Missing required parameter: 'NAME'", "wait"),
            c("wait", "--timeout 'bogus' is not a duration", "wait", "x", "--timeout", "bogus", "--control", NOWHERE),
            c("wait", "Unmatched argument", "wait", "a", "b"),
            c("reload", "Unmatched argument", "reload", "extra"),
            c("reload", "Unknown option: '--bogus'", "reload", "--bogus"),
            c("shutdown", "mutually exclusive", "shutdown", "--reboot", "--halt"),
            c("shutdown", "Unmatched argument", "shutdown", "extra"),
            c("import", "Missing required parameters: 'KIND', 'PATH'", "import"),
            c("import", "Missing required parameter: 'PATH'", "import", "s6"),
            c("import", "unknown kind 'frob'", "import", "frob", "x"),
            c("generate-completion", "Unmatched argument", "generate-completion", "extra"),
            c("up", "Unmatched argument", "up", "extra"),
            c("up", "Missing required parameter for option '--file'", "up", "-f"),
            c("up", "Unknown option: '--bogus'", "up", "--bogus"),
            c("init", "mutually exclusive", "init", "--container", "--machine"),
            c("init", "Unknown option: '--bogus'", "init", "--bogus"),
            c("init", "init --machine must be PID 1", "init", "--machine"),
            c("roots", "Unmatched argument", "roots", "extra"),
            c("roots", "Unknown option: '--bogus'", "roots", "--bogus"),
            c("reroot", "Missing required parameter: 'NAME'", "reroot"),
            c("reroot", "Unmatched argument", "reroot", "a", "b"),
            c("reroot", "Missing required parameter for option '--source'", "reroot", "a", "--source"),
            c("shell", "Unknown option: '--bogus'", "shell", "--bogus"),
            c("shell", "Missing required parameter for option '--attach'", "shell", "--attach"),
            c("sessions", "Unmatched argument", "sessions", "extra"),
            c("vars", "Unmatched argument", "vars", "extra"),
            c("vars", "Unknown option: '--bogus'", "vars", "--bogus"),
            c("continue", "Unmatched argument", "continue", "extra"),
            c("peers", "Unmatched argument", "peers", "extra"),
            c("peers", "Unknown option: '--bogus'", "peers", "--bogus"),
            c("help", "Unknown subcommand 'frob'", "help", "frob"),
            c("", "Unmatched argument at index 0: 'frob'", "frob"),
            c("", "Unknown option: '--bogus'", "--bogus"));

    static Case c(String command, String says, String... args) {
        return new Case(command, List.of(args), says);
    }

    record Run(int code, String out, String err) {}

    /** Main's own parsing and error handling, in this JVM: what `banyan ARGS` does before it would call System.exit. */
    static synchronized Run run(List<String> args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            int code = Main.picocli(args.toArray(String[]::new));
            return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void everyUsageErrorSaysWhatIsWrongShowsTheSynopsisAndExits2() {
        for (Case c : CASES) {
            Run r = run(c.args());
            // picocli's help command reports an unknown topic as the top command's error
            String name = c.command().isEmpty() || c.command().equals("help") ? "banyan" : "banyan " + c.command();
            String where = String.join(" ", c.args()) + " -> " + r;
            assertEquals(Main.USAGE, r.code(), where);
            List<String> lines = r.err().lines().toList();
            assertEquals(3, lines.size(), where);
            assertTrue(lines.get(0).startsWith("banyan: ") && lines.get(0).contains(c.says()), where);
            assertTrue(lines.get(1).startsWith("usage: " + name + " ["), where);
            assertEquals("Try '" + name + " --help'.", lines.get(2), where);
            assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), where);
        }
    }

    /** The table covers every subcommand there is, so one added later needs a row. */
    @Test
    void everySubcommandHasACase() {
        CommandLine all = Main.withClientCommands(new CommandLine(new Main()), new String[0]);
        Set<String> commands = new TreeSet<>(all.getSubcommands().keySet());
        Set<String> covered = new TreeSet<>();
        CASES.forEach(c -> covered.add(c.command()));
        covered.remove("");
        assertEquals(commands, covered);
    }
}

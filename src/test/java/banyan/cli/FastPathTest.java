package banyan.cli;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** FastPath takes a status call only where picocli would have read it the same way. */
class FastPathTest {
    /** What picocli makes of `status ARGS...`, or null when it refuses them or would print help or the version. */
    static StatusCommand picocli(List<String> args) {
        StatusCommand c = new StatusCommand();
        CommandLine cl = new CommandLine(c);
        try {
            CommandLine.ParseResult r = cl.parseArgs(args.toArray(String[]::new));
            return r.isUsageHelpRequested() || r.isVersionHelpRequested() ? null : c;
        } catch (CommandLine.ParameterException e) {
            return null;
        }
    }

    static StatusCommand fast(List<String> args) {
        List<String> all = new ArrayList<>(List.of("status"));
        all.addAll(args);
        return FastPath.status(all.toArray(String[]::new));
    }

    static void sameAsPicocli(List<String> args) {
        StatusCommand f = fast(args), p = picocli(args);
        assertNotNull(p, "picocli refuses " + args + " but the fast path took it");
        assertEquals(p.name, f.name, "NAME of " + args);
        assertEquals(p.json, f.json, "--json of " + args);
        assertEquals(p.control, f.control, "--control of " + args);
        assertEquals(p.tokenFile, f.tokenFile, "--token-file of " + args);
    }

    @Test
    void takesThePlainShapes() {
        for (List<String> args : List.of(List.<String>of(), List.of("--json"), List.of("web"), List.of("web", "--json"),
                List.of("--json", "web"), List.of("--control", "/run/b.sock"), List.of("--control=/run/b.sock", "--json", "web"),
                List.of("web", "--control", "http://10.0.0.1:7070"), List.of("--control", "http://10.0.0.1:7070", "--token-file", "/etc/t"),
                List.of("--token-file=/etc/t", "web", "--json"))) {
            assertNotNull(fast(args), args.toString());
            sameAsPicocli(args);
        }
    }

    @Test
    void leavesEverythingElseToPicocli() {
        for (List<String> args : List.of(List.of("-h"), List.of("--help"), List.of("-V"), List.of("--version"), List.of("a", "b"),
                List.of("--json", "--json"), List.of("--control"), List.of("--control", "--json"), List.of("--control="),
                List.of("--control", "a", "--control", "b"), List.of("@args"), List.of("--"), List.of("--", "web"), List.of("-x"),
                List.of("--jsonx"), List.of("--json=true"), List.of(""), List.of("--token-file"), List.of("--token-file="),
                List.of("--token-file", "a", "--token-file", "b"), List.of("--token-file", "--json"))) {
            assertNull(fast(args), args.toString());
        }
        assertNull(FastPath.status(new String[0]));
        assertNull(FastPath.status(new String[]{"stop", "web"}));
        assertNull(FastPath.status(new String[]{"--help", "status"}));
    }

    @Property(tries = 2000)
    void whatTheFastPathTakesPicocliReadsTheSameWay(@ForAll("argLists") List<String> args) {
        if (fast(args) != null) sameAsPicocli(args);
    }

    @Provide
    Arbitrary<List<String>> argLists() {
        return Arbitraries.of("--json", "--control", "--control=/s.sock", "/s.sock", "web", "db", "-h", "--help", "-V", "--",
                "-", "@x", "", "--control=", "-json", "--json=false", "--token-file", "--token-file=/t", "/t").list().ofMaxSize(5);
    }
}

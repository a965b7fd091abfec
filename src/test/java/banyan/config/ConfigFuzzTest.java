package banyan.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Generated and mutated configurations: each loads, or is a ConfigException whose every problem
 * names file:line:column; never another exception, a stack trace or a hang. The seed uses every
 * key; mutations cut, insert, duplicate and swap bytes and lines, swap keys for other keys (valid
 * ones included), values for values of every type, and truncate. The suite runs 500 cases (about 5 s);
 * the long run is one command (docs/reliability.md):
 *
 * <pre>./test -q -Dtest=ConfigFuzzTest -Dbanyan.fuzz.configs=10000 -Dbanyan.fuzz.seed=7</pre>
 */
class ConfigFuzzTest {
    @TempDir
    Path dir;

    static final String SEED = """
            log_dir = "/tmp/banyan-fuzz-log"
            log_max_size = "1MiB"
            log_max_files = 3

            [boot]
            target = "default"
            on_failure = "continue"
            grace = "3s"
            main_stop_timeout = "10s"

            [service.db]
            command = ["sleep", "100"]
            restart = "on-failure"
            min_uptime = "1s"
            backoff = "100ms"
            backoff_max = "30s"
            backoff_reset = "10s"
            max_restarts = 5
            restart_window = "30s"
            stop_signal = "TERM"
            stop_timeout = "10s"
            env = { A = "1", B = "two" }
            env_file = "ENVFILE"
            working_dir = "/tmp"
            user = "nobody"
            group = "nogroup"
            ready = { notify = true, timeout = "30s" }
            watchdog = "5s"
            critical = true

            [service.web]
            command = "exec sleep 100"
            requires = ["db"]
            wants = ["cache"]
            after = ["migrate"]
            ready = { http = "http://127.0.0.1:8080/health", interval = "1s", timeout = "2s" }
            start_timeout = "20s"
            liveness = { tcp = "127.0.0.1:8080", interval = "1s", timeout = "1s", failures = 3 }
            logger = ["cat"]

            [service.cache]
            command = ["sleep", "100"]
            ready = { tcp = "127.0.0.1:6379" }

            [service.migrate]
            type = "oneshot"
            command = ["true"]
            stop_command = ["true"]

            [service.talker]
            command = ["sleep", "100"]
            ready = { log = "listening on" }

            [service.fd]
            command = ["sleep", "100"]
            ready = { fd = 3 }

            [service.probe]
            command = ["sleep", "100"]
            ready = { exec = ["true"] }
            liveness = { exec = ["true"] }

            [root.app]
            sources = [
              { name = "net", command = ["sshfs", "-f", "srv@10.77.0.2:/srv/app", "{target}"] },
              { name = "disk", device = "/srv/images/app.ext4", fstype = "ext4", options = "ro" },
              { name = "local", bind = "/var/lib/app-fallback" },
              { name = "ram", archive = "ARCHIVE", size = "256MiB" },
            ]
            probe = { file = "/etc/os-release", interval = "1s", timeout = "2s", failures = 2 }
            acquire_timeout = "10s"
            failback = false

            [service.onroot]
            command = ["sleep", "100"]
            root = "app"
            binds = ["/etc/resolv.conf:/etc/resolv.conf:ro"]

            [target.default]
            requires = ["web", "migrate"]
            wants = ["fd", "probe", "onroot", "talker"]
            """;

    static final String[] VALUES = {"\"\"", "\" \"", "\"x\"", "\"0s\"", "\"-1s\"", "\"1.5s\"", "\"36501d\"", "\"1h30m\"", "\"10\"",
            "\"abc\"", "0", "-1", "1", "2147483648", "9223372036854775807", "99999999999999999999", "1.5", "-0.0", "nan", "inf",
            "true", "false", "[]", "[\"\"]", "[\" \"]", "[1, 2]", "[\"a\", 1]", "{}", "{ a = 1 }", "{ notify = true, fd = 3 }",
            "1979-05-27T07:32:00Z", "\"\\u0000\"", "\"a\\u0000b\"", "\"/dev/zero\"", "\"/proc/self/mem\"", "\"../../etc/passwd\"",
            "\"TERM\"", "\"KILL\"", "\"SIGHUP\"", "\"99\"", "\"always\"", "\"never\"", "\"oneshot\"", "\"root\"", "\"4294967295\"",
            "\"" + "x".repeat(5000) + "\"", "'''multi\nline'''", "\"\"\"a\nb\"\"\"", "\"http://[::1]:0/\"", "\"127.0.0.1:99999\"",
            "\"é\"", "\"\\uD800\"", "[[[[[[[[1]]]]]]]]", "\"${X}\"", "\"$${X}\""};
    static final String BYTES = "[]{}=\"',.#\\\n\t -_0123456789azAZ\u00e9\u0000\u007f\u2028";

    @Test
    void everyGeneratedOrMutatedConfigLoadsOrIsALocatedProblem() throws Exception {
        int cases = Integer.getInteger("banyan.fuzz.configs", 500);
        long seed = Long.getLong("banyan.fuzz.seed", 1);
        Path env = Files.writeString(dir.resolve("env"), "X=1\n"), archive = Files.writeString(dir.resolve("app.tar"), "");
        String base = SEED.replace("ENVFILE", env.toString()).replace("ARCHIVE", archive.toString());
        Path file = dir.resolve("banyan.toml");
        Files.writeString(file, base);
        ConfigLoader.load(file); // the seed itself is valid
        Random random = new Random(seed);
        List<String> keys = new ArrayList<>();
        keys.addAll(ConfigLoader.TOP_LEVEL);
        keys.addAll(ConfigLoader.SERVICE_KEYS);
        keys.addAll(RootReader.ROOT_KEYS);
        keys.addAll(List.of("notify", "fd", "tcp", "http", "exec", "log", "interval", "timeout", "failures", "name", "device", "fstype",
                "options", "bind", "archive", "size", "file", "hostname", "target", "comand", "requires ", "servce", "a.b", "\"quoted\""));
        java.util.Collections.sort(keys); // Set.of iterates in an order that differs from run to run
        int loaded = 0, refused = 0;
        long slowest = 0;
        String slowestText = "";
        for (int i = 0; i < cases; i++) {
            String text = base;
            int steps = 1 + random.nextInt(i % 10 == 0 ? 20 : 4);
            for (int s = 0; s < steps; s++) text = mutate(text, random, keys);
            Files.writeString(file, text);
            long began = System.nanoTime();
            try {
                ConfigLoader.load(file);
                loaded++;
            } catch (ConfigException e) {
                refused++;
                assertFalse(e.problems().isEmpty(), "case " + i + ": no problem listed\n" + text);
                for (Problem p : e.problems()) {
                    assertEquals(file, p.file(), "case " + i + ": " + p + "\n" + text);
                    assertTrue(p.line() > 0 && p.column() > 0, "case " + i + ": no line:column in '" + p + "'\n" + text);
                }
            } catch (Throwable t) {
                fail("case " + i + " (seed " + seed + "): " + t + "\n---\n" + text, t);
            }
            long took = System.nanoTime() - began;
            if (took > slowest) {
                slowest = took;
                slowestText = text;
            }
        }
        System.out.println("config fuzz: " + cases + " cases (seed " + seed + "): " + loaded + " loaded, " + refused
                + " refused with file:line:column; slowest " + slowest / 1_000_000 + " ms");
        assertTrue(slowest < 5_000_000_000L, "a load took " + slowest / 1_000_000 + " ms:\n" + slowestText);
        assertTrue(loaded > 0 && refused > 0, "both kinds of outcome were reached");
    }

    static String mutate(String text, Random r, List<String> keys) {
        if (text.isEmpty()) return VALUES[r.nextInt(VALUES.length)];
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        int at = r.nextInt(text.length());
        int line = r.nextInt(lines.size());
        switch (r.nextInt(12)) {
            case 0 -> { return text.substring(0, at) + text.substring(Math.min(text.length(), at + 1 + r.nextInt(8))); }
            case 1 -> { return text.substring(0, at) + BYTES.charAt(r.nextInt(BYTES.length())) + text.substring(at); }
            case 2 -> lines.add(line, lines.get(r.nextInt(lines.size())));
            case 3 -> lines.remove(line);
            case 4 -> java.util.Collections.swap(lines, line, r.nextInt(lines.size()));
            case 5, 6 -> { // a value for another value
                String l = lines.get(line);
                int eq = l.indexOf(" = ");
                if (eq > 0) lines.set(line, l.substring(0, eq + 3) + VALUES[r.nextInt(VALUES.length)]);
            }
            case 7, 8 -> { // a key for another key
                String l = lines.get(line);
                int eq = l.indexOf(" = ");
                if (eq > 0) lines.set(line, keys.get(r.nextInt(keys.size())) + l.substring(eq));
            }
            case 9 -> { return text.substring(0, at); }
            case 10 -> { // a table header for another
                String[] tables = {"[service.x]", "[service.db]", "[service.\"a/b\"]", "[service..]", "[target.none]", "[root.core]",
                        "[root.app]", "[boot]", "[[service.db]]", "[service]", "[log_dir]", "[service.web.ready]"};
                lines.add(line, tables[r.nextInt(tables.length)]);
            }
            default -> { // a line of its own
                lines.add(line, keys.get(r.nextInt(keys.size())) + " = " + VALUES[r.nextInt(VALUES.length)]);
            }
        }
        return String.join("\n", lines);
    }
}

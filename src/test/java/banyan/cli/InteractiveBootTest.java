package banyan.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * `banyan up --interactive` on a real pseudo-terminal (Python's pty module types the answers):
 * a new value, one refused and asked again, `sh` and back, `clear` with its dependent skipped,
 * Ctrl-C at a prompt, end of input; then the saved answers replayed with no terminal.
 */
class InteractiveBootTest {
    @TempDir
    Path dir;

    static final String CONFIG = """
            [vars]
            msg = "hello"
            grace = "5s"

            [service.store]
            command = ["sh", "-c", "echo store says ${msg}; exec sleep 1000"]
            stop_timeout = "${grace}"

            [service.web]
            command = ["sleep", "1000"]
            requires = ["store"]

            [service.api]
            command = ["sleep", "1000"]
            requires = ["web"]

            [service.other]
            command = ["sleep", "1000"]
            """;

    /** One step of the driver's script. */
    static JsonArray step(Object... parts) {
        JsonArray a = new JsonArray();
        for (Object p : parts) {
            if (p instanceof String s) a.add(s);
            else if (p instanceof Integer n) a.add(n);
            else if (p instanceof List<?> l) {
                JsonArray argv = new JsonArray();
                l.forEach(x -> argv.add((String) x));
                a.add(argv);
            }
        }
        return a;
    }

    static String prompt(String step, String value) {
        return step + " = " + value + " : accept, new value, 'clear', or 'sh'";
    }

    /** Runs the driver with script against `banyan up ARGS`; returns its output, with the terminal's transcript. */
    String drive(List<JsonArray> script, String... args) throws Exception {
        JsonArray all = new JsonArray();
        script.forEach(all::add);
        Path scriptFile = dir.resolve("script.json"), transcript = dir.resolve("transcript");
        Files.writeString(scriptFile, all.toString());
        Path driver = dir.resolve("pty-drive.py");
        try (var in = getClass().getResourceAsStream("pty-drive.py")) {
            Files.write(driver, in.readAllBytes());
        }
        List<String> cmd = new ArrayList<>(List.of("python3", driver.toString(), transcript.toString(), scriptFile.toString(), "--"));
        cmd.addAll(RealUp.java(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the driver ended");
        String screen = Files.exists(transcript) ? Files.readString(transcript) : "";
        assertEquals(0, p.exitValue(), out + "\n--- terminal:\n" + screen);
        return out + screen;
    }

    static Map<String, String> states(Path statusJson) throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (JsonElement e : JsonParser.parseString(Files.readString(statusJson)).getAsJsonObject().getAsJsonArray("services"))
            out.put(e.getAsJsonObject().get("name").getAsString(), e.getAsJsonObject().get("state").getAsString());
        return out;
    }

    @Test
    void everyKindOfAnswerThenTheSavedAnswersReplayWithoutQuestions() throws Exception {
        Path config = dir.resolve("banyan.toml"), saved = dir.resolve("answers.toml"), sock = dir.resolve("c.sock");
        Files.writeString(config, "log_dir = \"" + dir.resolve("log") + "\"\n" + CONFIG);
        List<String> status = RealUp.java("status", "--json", "--control", sock.toString());
        List<String> vars = RealUp.java("vars", "--json", "--control", sock.toString());
        List<String> reload = RealUp.java("reload", "--control", sock.toString());
        String out = drive(List.of(
                        step("expect", prompt("msg", "hello"), 60), step("send", "edited\n"),
                        step("expect", prompt("grace", "5s"), 10), step("send", "soon\n"),
                        step("expect", "'soon' is not a duration", 10), step("expect", "grace: not taken; answer again", 10),
                        step("expect", prompt("grace", "5s"), 10), step("send", "2s\n"),
                        step("expect", prompt("service.store", "start"), 10), step("send", "sh\n"),
                        step("expect", "sh: a shell on the console; exit it to come back to service.store", 10),
                        step("send", "echo inside-$((6*7))\n"), step("expect", "inside-42", 10), step("send", "exit\n"),
                        step("expect", prompt("service.store", "start"), 10), step("send", "\n"),
                        step("expect", "step service.store: ready", 10),
                        step("expect", prompt("service.web", "start"), 10),
                        step("run", reload, dir.resolve("reload.out").toString()),
                        step("run", status, dir.resolve("status-mid.json").toString()),
                        step("send", "nonsense\n"),
                        step("expect", "'nonsense' is not an answer here", 10),
                        step("expect", prompt("service.web", "start"), 10), step("send", "clear\n"),
                        step("expect", "step service.web cleared", 10),
                        step("expect", "step service.api skipped: requires web, which was cleared", 10),
                        step("expect", prompt("service.other", "start"), 10), step("send", "\u0003"),
                        step("expect", "sh: a shell on the console; exit it to come back to service.other", 10), step("send", "exit\n"),
                        step("expect", prompt("service.other", "start"), 10), step("send", "\u0004"),
                        step("expect", "console: end of input; accepting service.other and every step after it", 10),
                        step("expect", "up: 2 of 2 ready", 20),
                        step("run", status, dir.resolve("status.json").toString()),
                        step("run", vars, dir.resolve("vars.json").toString()),
                        step("send", "\u0003"), step("expect", "stopped", 30), step("wait", 30)),
                "up", "-f", config.toString(), "--control", sock.toString(), "--interactive", "--save-answers", saved.toString());
        assertTrue(out.contains("exit 0"), out);
        assertTrue(out.contains("store says edited"), out); // its line and the step's outcome come in either order
        // A reload while a question waits applies, and starts nothing the steps have not reached.
        assertTrue(Files.readString(dir.resolve("reload.out")).contains("unchanged 4"), Files.readString(dir.resolve("reload.out")));
        assertEquals(Map.of("api", "down", "other", "down", "store", "up", "web", "down"), states(dir.resolve("status-mid.json")));
        Map<String, String> first = states(dir.resolve("status.json"));
        assertEquals(Map.of("api", "down", "other", "up", "store", "up", "web", "down"), first);
        JsonObject answered = JsonParser.parseString(Files.readString(dir.resolve("vars.json"))).getAsJsonObject();
        assertEquals("{\"name\":\"msg\",\"value\":\"edited\",\"origin\":\"answer\",\"used_by\":[\"service.store\"]}",
                answered.getAsJsonArray("vars").get(0).toString());
        assertEquals("""
                # answers of a bring-up by steps, written by banyan; replay with --vars FILE
                # step msg (the configuration said "hello")
                msg = "edited"
                # step grace (the configuration said "5s")
                grace = "2s"
                # step service.web (the configuration said "start")
                service."web" = "clear"
                """, Files.readString(saved));

        // Replayed with no terminal and no questions: the same plan, the same values.
        Path sock2 = dir.resolve("c2.sock");
        Process up = new ProcessBuilder(RealUp.java("up", "-f", config.toString(), "--control", sock2.toString(), "--vars", saved.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("replay.out").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            RealUp.Run w;
            long end = System.nanoTime() + 60_000_000_000L;
            do w = RealUp.banyan(Map.of(), "wait", "other", "--ready", "--timeout", "5s", "--control", sock2.toString());
            while (w.code() != 0 && System.nanoTime() < end && up.isAlive());
            assertEquals(0, w.code(), w.err() + Files.readString(dir.resolve("replay.out")));
            RealUp.Run s = RealUp.banyan(Map.of(), "status", "--json", "--control", sock2.toString());
            Files.writeString(dir.resolve("status2.json"), s.out());
            assertEquals(first, states(dir.resolve("status2.json")));
            RealUp.Run v = RealUp.banyan(Map.of(), "vars", "--control", sock2.toString());
            assertTrue(v.out().matches("(?s)NAME +VALUE +ORIGIN +USED BY\nmsg +edited +vars file " + saved + ":3:1 +service.store\n"
                    + "grace +2s +vars file " + saved + ":5:1 +service.store\n"), v.out());
            assertTrue(Files.readString(dir.resolve("log").resolve("store.log")).contains("store says edited"));
            assertFalse(Files.readString(dir.resolve("replay.out")).contains(": accept, new value"), "no question on replay");
        } finally {
            RealUp.banyan(Map.of(), "shutdown", "--control", sock2.toString());
            assertTrue(up.waitFor(30, TimeUnit.SECONDS));
        }
    }
}

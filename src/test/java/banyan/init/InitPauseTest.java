package banyan.init;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store-then-pause scenario as PID 1 of a PID namespace: `banyan init --pause-before
 * service.web` with no terminal. The store runs, a store killed during the pause is restarted,
 * web waits, and `banyan continue` from another process releases it.
 */
@Timeout(180)
class InitPauseTest {
    private static final Duration BOOT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    static JsonObject service(Path dir, String name) throws Exception {
        Map.Entry<Integer, String> r = Pid1.client(dir, "status", "--json");
        assertEquals(0, r.getKey(), r.getValue());
        for (JsonElement e : JsonParser.parseString(r.getValue()).getAsJsonObject().getAsJsonArray("services"))
            if (e.getAsJsonObject().get("name").getAsString().equals(name)) return e.getAsJsonObject();
        throw new AssertionError("no " + name + " in " + r.getValue());
    }

    @Test
    void theServicesBeforeThePauseRunAndRestartAndContinueReleasesTheRest() throws Exception {
        Pid1.write(dir.resolve("banyan.toml"), """
                [vars]
                port = "7070"
                [boot]
                grace = "300ms"
                [service.store]
                command = ["sh", "-c", "echo store on ${port}; exec sleep 1000"]
                restart = "always"
                backoff = "100ms"
                [service.web]
                command = ["sleep", "1000"]
                requires = ["store"]
                """);
        try (Pid1 b = Pid1.start(dir, "--pause-before", "service.web", "--var", "port=7171")) {
            b.awaitLog("paused before service.web; run `banyan continue` (POST /v1/boot/continue) to go on", BOOT);
            assertTrue(b.output().contains("store on 7171"), b.output());
            JsonObject store = service(dir, "store");
            assertEquals("up", store.get("state").getAsString(), store.toString());
            assertEquals("down", service(dir, "web").get("state").getAsString());

            int first = store.get("pid").getAsInt();
            assertEquals(0, b.inside("kill", "-KILL", String.valueOf(first)));
            Pid1.await("the store restarted during the pause", BOOT, () -> {
                try {
                    JsonObject s = service(dir, "store");
                    return s.get("restarts").getAsInt() == 1 && s.get("state").getAsString().equals("up");
                } catch (Exception e) {
                    return false;
                }
            });
            assertNotEquals(first, service(dir, "store").get("pid").getAsInt());
            assertEquals("down", service(dir, "web").get("state").getAsString(), "web still waits");

            Map.Entry<Integer, String> c = Pid1.client(dir, "continue");
            assertEquals(0, c.getKey(), c.getValue());
            assertTrue(c.getValue().contains("continued at service.web"), c.getValue());
            b.awaitLog("target default is up: 2 of 2 ready", BOOT);
            assertEquals("up", service(dir, "web").get("state").getAsString());
            Map.Entry<Integer, String> again = Pid1.client(dir, "continue");
            assertEquals(1, again.getKey(), "nothing waits any more: " + again.getValue());

            b.signal("TERM");
            assertEquals(0, b.awaitExit(BOOT), b.output());
        }
    }

    @Test
    void aPauseBeforeAnUnknownStepIsAUsageError() throws Exception {
        Pid1.write(dir.resolve("banyan.toml"), "[service.web]\ncommand = [\"sleep\", \"1\"]\n");
        try (Pid1 b = Pid1.start(dir, "--pause-before", "web")) {
            assertEquals(2, b.awaitExit(BOOT), b.output());
            assertTrue(b.output().contains("--pause-before web: no such step; did you mean service.web?"), b.output());
        }
    }
}

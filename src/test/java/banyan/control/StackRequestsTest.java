package banyan.control;

import banyan.supervise.ServiceState;
import banyan.supervise.ServiceStatus;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/** What the API asks of a service goes through the stack: backoff, a finished oneshot, and what requires it. */
class StackRequestsTest {
    private static JsonObject json(Raw.Answer a) {
        return JsonParser.parseString(a.body()).getAsJsonObject();
    }

    private static ServiceStatus status(LiveStack live, String name) {
        return live.stack.status(name).orElseThrow();
    }

    @Test
    void restartOfARequirementRestartsWhatRequiresItAfterIt() throws Exception {
        try (LiveStack live = new LiveStack("""
                [service.db]
                command = ["sleep", "600"]
                [service.app]
                command = ["sleep", "600"]
                requires = ["db"]
                """)) {
            assertTrue(live.stack.await("app", s -> s.state() == ServiceState.UP, Duration.ofSeconds(10)));
            ServiceStatus app = status(live, "app"), db = status(live, "db");
            Raw.Answer a = Raw.post(live.socket(), "/v1/services/db/restart?wait=10s", "");
            assertEquals(200, a.status(), a.body());
            assertNotEquals(db.pid(), json(a).get("pid").getAsInt());
            assertTrue(live.stack.await("app", s -> s.state() == ServiceState.UP && s.pid() != app.pid(), Duration.ofSeconds(10)),
                    "app restarted after its requirement: " + status(live, "app"));
        }
    }

    @Test
    void startSkipsTheBackoffOfACrashingService() throws Exception {
        try (LiveStack live = new LiveStack("""
                [service.crash]
                command = ["sh", "-c", "exit 3"]
                backoff = "1h"
                backoff_max = "1h"
                max_restarts = 100
                """)) {
            assertTrue(live.stack.await("crash", s -> s.state() == ServiceState.BACKOFF, Duration.ofSeconds(10)), status(live, "crash").toString());
            long before = status(live, "crash").restarts();
            Raw.Answer a = Raw.post(live.socket(), "/v1/services/crash/start", "");
            assertEquals(202, a.status(), a.body());
            assertTrue(live.stack.await("crash", s -> s.restarts() > before, Duration.ofSeconds(10)),
                    "started at once, not after an hour: " + status(live, "crash"));
        }
    }

    @Test
    void restartRunsAFinishedOneshotAgainAndStartLeavesItDone() throws Exception {
        try (LiveStack live = new LiveStack("""
                [service.job]
                type = "oneshot"
                command = ["true"]
                """)) {
            assertTrue(live.stack.await("job", s -> s.state() == ServiceState.DONE, Duration.ofSeconds(10)));
            long runs = status(live, "job").restarts();
            Raw.Answer started = Raw.post(live.socket(), "/v1/services/job/start?wait=5s", "");
            assertEquals(200, started.status(), started.body());
            assertEquals(runs, status(live, "job").restarts(), "a start has nothing left to do for a finished oneshot");
            Raw.Answer again = Raw.post(live.socket(), "/v1/services/job/restart?wait=10s", "");
            assertEquals(200, again.status(), again.body());
            assertEquals("done", json(again).get("state").getAsString());
            assertTrue(status(live, "job").restarts() > runs, "ran again: " + status(live, "job"));
        }
    }
}

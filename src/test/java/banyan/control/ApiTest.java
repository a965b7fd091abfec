package banyan.control;

import banyan.supervise.ServiceState;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Optional;
import java.util.List;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.*;

/** The API against a live stack over its real unix socket: resources, and bad requests of every kind. */
class ApiTest {
    static LiveStack live;

    @BeforeAll
    static void start() throws Exception {
        live = new LiveStack("""
                [service.sleeper]
                command = ["sleep", "600"]
                stop_timeout = "2s"
                [service.talker]
                command = "i=0; while true; do i=$((i+1)); echo line $i; sleep 0.05; done"
                """);
        assertTrue(live.stack.get("sleeper").orElseThrow().await(s -> s.state() == ServiceState.UP, java.time.Duration.ofSeconds(10)));
    }

    @AfterAll
    static void stop() throws Exception {
        live.close();
    }

    static JsonObject json(Raw.Answer a) {
        return JsonParser.parseString(a.body()).getAsJsonObject();
    }

    @Test
    void socketIsPrivate() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(live.socket())));
    }

    @Test
    void listsAndShowsServices() throws Exception {
        Raw.Answer all = Raw.get(live.socket(), "/v1/services");
        assertEquals(200, all.status());
        var services = json(all).getAsJsonArray("services");
        assertEquals("sleeper", services.get(0).getAsJsonObject().get("name").getAsString());
        for (String field : new String[]{"name", "state", "ready", "pid", "restarts", "since", "exit", "status_text", "reason"})
            assertTrue(services.get(0).getAsJsonObject().has(field), field);
        JsonObject one = json(Raw.get(live.socket(), "/v1/services/sleeper"));
        assertEquals("up", one.get("state").getAsString());
        assertTrue(one.get("pid").getAsInt() > 0);
    }

    @Test
    void unknownThingsAre404() throws Exception {
        Raw.Answer a = Raw.get(live.socket(), "/v1/services/nosuch");
        assertEquals(404, a.status());
        assertTrue(json(a).get("error").getAsString().contains("nosuch"));
        assertEquals(404, Raw.get(live.socket(), "/v2/whatever").status());
        assertEquals(404, Raw.post(live.socket(), "/v1/services/nosuch/start", "").status());
        assertEquals(405, Raw.post(live.socket(), "/v1/services", "{}").status());
    }

    @Test
    void badSignalBodiesAre400() throws Exception {
        assertEquals(400, Raw.post(live.socket(), "/v1/services/sleeper/signal", "{not json").status());
        assertEquals(400, Raw.post(live.socket(), "/v1/services/sleeper/signal", "[1,2]").status());
        assertEquals(400, Raw.post(live.socket(), "/v1/services/sleeper/signal", "{\"signal\":\"NOPE\"}").status());
        assertEquals(400, Raw.post(live.socket(), "/v1/services/sleeper/signal", "").status());
        assertEquals(400, Raw.get(live.socket(), "/v1/services/talker/logs?n=-3").status());
        assertEquals(400, Raw.post(live.socket(), "/v1/services/sleeper/start?wait=soon", "").status());
    }

    @Test
    void oversizedAndMalformedRequestsAreRefused() throws Exception {
        String big = "{\"signal\":\"" + "x".repeat(200_000) + "\"}";
        try {
            assertEquals(413, Raw.post(live.socket(), "/v1/services/sleeper/signal", big).status());
        } catch (java.net.SocketException reset) {
            // refused before the client finished writing: the server closed without reading the rest (also a refusal)
        }
        Raw.Answer chunkedBig = Raw.exchange(live.socket(), "POST /v1/services/sleeper/signal HTTP/1.1\r\nHost: b\r\nConnection: close\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(100_000) + "\r\n" + "y".repeat(100_000) + "\r\n0\r\n\r\n");
        assertEquals(413, chunkedBig.status());
        Raw.Answer hugeHeader = Raw.exchange(live.socket(), "GET /v1/services HTTP/1.1\r\nHost: b\r\nX-Big: " + "z".repeat(20_000)
                + "\r\nConnection: close\r\n\r\n");
        assertEquals(431, hugeHeader.status());
        assertEquals(400, Raw.exchange(live.socket(), "GET /v1/services HTTP/1.1\r\nHost: b\r\nno colon here\r\n\r\n").status());
        assertEquals(400, Raw.exchange(live.socket(), "POST /v1/reload HTTP/1.1\r\nHost: b\r\nContent-Length: lots\r\n\r\n").status());
        // supervision did not notice any of it
        assertEquals("up", json(Raw.get(live.socket(), "/v1/services/sleeper")).get("state").getAsString());
    }

    @Test
    void signalReachesTheProcess() throws Exception {
        var before = live.stack.get("sleeper").orElseThrow().status();
        Raw.Answer a = Raw.post(live.socket(), "/v1/services/sleeper/signal", "{\"signal\": \"KILL\"}");
        assertEquals(202, a.status());
        assertTrue(live.stack.get("sleeper").orElseThrow().await(s -> s.restarts() > before.restarts() && s.state() == ServiceState.UP,
                java.time.Duration.ofSeconds(10)));
        assertEquals("killed by SIGKILL", json(Raw.get(live.socket(), "/v1/services/sleeper")).getAsJsonObject("exit")
                .get("description").getAsString());
    }

    @Test
    void stopAndStartWaitForTheResult() throws Exception {
        Raw.Answer stopped = Raw.post(live.socket(), "/v1/services/sleeper/stop?wait=10s", "");
        assertEquals(200, stopped.status());
        assertEquals("down", json(stopped).get("state").getAsString());
        Raw.Answer started = Raw.post(live.socket(), "/v1/services/sleeper/start?wait=10s", "");
        assertEquals(200, started.status());
        assertEquals("up", json(started).get("state").getAsString());
        Raw.Answer restarted = Raw.post(live.socket(), "/v1/services/sleeper/restart?wait=10s", "");
        assertEquals(200, restarted.status());
        assertNotEquals(json(started).get("pid").getAsInt(), json(restarted).get("pid").getAsInt());
    }

    @Test
    void eventsStreamStateChanges() throws Exception {
        try (SocketChannel ch = Raw.open(live.socket())) {
            Raw.send(ch, "GET /v1/events HTTP/1.1\r\nHost: b\r\n\r\n");
            InputStream in = Channels.newInputStream(ch);
            readUntil(in, ": banyan events");
            Raw.post(live.socket(), "/v1/services/sleeper/restart", "");
            String seen = readUntil(in, "\"previous\":\"stopping\"");
            assertTrue(seen.contains("event: state"), seen);
        }
    }

    @Test
    void logsGivesTheLastLines() throws Exception {
        var ring = live.logs.ring("talker");
        ring.from(5, 10, java.util.concurrent.TimeUnit.SECONDS); // at least 5 lines written
        Raw.Answer a = Raw.get(live.socket(), "/v1/services/talker/logs?n=3");
        assertEquals(200, a.status());
        String[] lines = a.body().split("\n");
        assertEquals(3, lines.length, a.body());
        assertTrue(lines[2].matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z out line \\d+"), lines[2]);
    }

    @Test
    void metricsArePrometheusText() throws Exception {
        Raw.Answer a = Raw.get(live.socket(), "/metrics");
        assertEquals(200, a.status());
        assertTrue(a.head().contains("text/plain; version=0.0.4"));
        assertTrue(a.body().contains("banyan_service_up{service=\"talker\"} 1"), a.body());
        assertTrue(a.body().contains("# TYPE banyan_service_restarts_total counter"));
        assertTrue(a.body().contains("banyan_orphans_reaped_total "));
        assertTrue(a.body().contains("banyan_uptime_seconds "));
    }

    @Test
    void reloadWithoutAHookIs501AndShutdownPassesItsAction() throws Exception {
        assertEquals(501, Raw.post(live.socket(), "/v1/reload", "").status());
        assertEquals(405, Raw.get(live.socket(), "/v1/shutdown").status());
        var bad = Raw.post(live.socket(), "/v1/shutdown", "{\"action\":\"explode\"}");
        assertEquals(400, bad.status());
        assertTrue(bad.body().contains("reboot"), bad.body());
        assertTrue(live.shutdownActions.isEmpty(), "a refused request does not shut down");
        assertEquals(202, Raw.post(live.socket(), "/v1/shutdown", "{\"action\":\"halt\"}").status());
        assertTrue(live.shutdown.await(10, java.util.concurrent.TimeUnit.SECONDS), "the hook runs right after the answer");
        assertEquals(List.of(Optional.of("halt")), live.shutdownActions);
    }

    static String readUntil(InputStream in, String marker) throws Exception {
        StringBuilder seen = new StringBuilder();
        byte[] buf = new byte[4096];
        while (!seen.toString().contains(marker)) {
            int n = in.read(buf);
            if (n < 0) fail("stream ended before '" + marker + "': " + seen);
            seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
        return seen.toString();
    }
}

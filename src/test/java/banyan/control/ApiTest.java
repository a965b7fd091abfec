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
                [vars]
                long = "600"
                [service.sleeper]
                command = ["sleep", "${long}"]
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
    void showsTheVariablesAndRefusesAContinueWhenNothingWaits() throws Exception {
        Raw.Answer a = Raw.get(live.socket(), "/v1/vars");
        assertEquals(200, a.status());
        JsonObject v = json(a).getAsJsonArray("vars").get(0).getAsJsonObject();
        assertEquals("long", v.get("name").getAsString());
        assertEquals("600", v.get("value").getAsString());
        assertTrue(v.get("origin").getAsString().endsWith("banyan.toml:3:1"), v.toString());
        assertEquals("[\"service.sleeper\"]", v.get("used_by").toString());
        assertEquals(405, Raw.post(live.socket(), "/v1/vars", "").status());
        Raw.Answer c = Raw.post(live.socket(), "/v1/boot/continue", "");
        assertEquals(409, c.status());
        assertTrue(json(c).get("error").getAsString().contains("no step of the bring-up waits"), c.body());
        assertEquals(404, Raw.post(live.socket(), "/v1/boot/other", "").status());
        assertEquals(405, Raw.get(live.socket(), "/v1/boot/continue").status());
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
        assertTrue(a.body().contains("banyan_api_connections{listener=\"unix\"} "), a.body());
        assertTrue(a.body().contains("# TYPE banyan_api_connections_refused_total counter"));
        assertTrue(a.body().contains("banyan_api_connections_evicted_total{listener=\"unix\"} "));
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

    /** Every error is {"error": "..."} as JSON, in words: no HTML page, no Java class, not the request echoed whole. */
    static void plainJsonError(Raw.Answer a, int status, String words) {
        assertEquals(status, a.status(), a.head() + "\n" + a.body());
        assertTrue(a.head().toLowerCase().contains("content-type: application/json"), a.head());
        JsonObject o = JsonParser.parseString(a.body()).getAsJsonObject();
        assertEquals(1, o.size(), a.body());
        String error = o.get("error").getAsString();
        assertTrue(error.contains(words), error);
        assertFalse(error.matches("(?s).*(Exception|java\\.|com\\.google|org\\.eclipse|<html).*"), error);
        assertTrue(error.length() < 300, "an error is a sentence: " + error);
    }

    @Test
    void requestsJettyRefusesGetJsonErrorsInPlainWords() throws Exception {
        String h = "Host: b\r\nConnection: close\r\n";
        plainJsonError(Raw.get(live.socket(), "/v1/services/%2e%2e/x"), 400, "%2e%2e");
        plainJsonError(Raw.exchange(live.socket(), "GET /v1/services/a%00 HTTP/1.1\r\n" + h + "\r\n"), 400, "%00");
        plainJsonError(Raw.get(live.socket(), "/v1/services/%c0%ae%c0%ae"), 400, "UTF-8");
        plainJsonError(Raw.get(live.socket(), "/v1/services/" + "n".repeat(7000)), 404, "(7000 characters)");
        plainJsonError(Raw.get(live.socket(), "/v1/services/" + "n".repeat(9000)), 414, "path is over the limit");
        StringBuilder flood = new StringBuilder("GET /v1/services HTTP/1.1\r\n" + h);
        for (int i = 0; i < 2000; i++) flood.append("X-H").append(i).append(": v\r\n");
        plainJsonError(Raw.exchange(live.socket(), flood.append("\r\n").toString()), 431, "headers are over the limit");
        try {
            plainJsonError(Raw.exchange(live.socket(), "POST /v1/services/sleeper/signal HTTP/1.1\r\n" + h
                    + "Content-Length: 10485760\r\n\r\n" + "x".repeat(10 << 20)), 413, "over the limit of 64 KiB");
        } catch (java.net.SocketException reset) {
            // refused before the client finished writing, and the answer was lost with the reset: retried with the head only
            plainJsonError(Raw.exchange(live.socket(), "POST /v1/services/sleeper/signal HTTP/1.1\r\n" + h
                    + "Content-Length: 10485760\r\n\r\n"), 413, "over the limit of 64 KiB");
        }
        plainJsonError(Raw.exchange(live.socket(), "POST /v1/services/sleeper/signal HTTP/1.1\r\n" + h + "Content-Length: -5\r\n\r\n"),
                400, "Content-Length");
        plainJsonError(Raw.exchange(live.socket(), "\u0001\u0002 nonsense\r\n\r\n"), 400, "malformed");
        plainJsonError(Raw.exchange(live.socket(), "GET /v1/services HTTP/1.1\r\nConnection: close\r\n\r\n"), 400, "Host");
        plainJsonError(Raw.post(live.socket(), "/v1/services/sleeper/signal", "{not json"), 400, "not valid JSON (line 1, column ");
        plainJsonError(Raw.post(live.socket(), "/v1/services/sleeper/signal", "{"), 400, "ends too early");
        plainJsonError(Raw.post(live.socket(), "/v1/services/sleeper/signal", "{\"signal\": \"HUP\""), 400, "ends too early");
        plainJsonError(Raw.post(live.socket(), "/v1/services/sleeper/signal", "[1,2]"), 400, "must be a JSON object");
    }

    @Test
    void bodiesAndQueriesAreReadExactlyNeverTrimmedOrGuessed() throws Exception {
        String sig = "/v1/services/sleeper/signal";
        for (String body : new String[]{"{\"signal\": \"  9\"}", "{\"signal\": \"9 \"}", "{\"signal\": \"+9\"}", "{\"signal\": \"09\"}",
                "{\"signal\": 9.0}", "{\"signal\": -9}", "{\"signal\": \"\"}", "{\"signal\": true}", "{\"signal\": [\"HUP\"]}"})
            plainJsonError(Raw.post(live.socket(), sig, body), 400, "signal");
        plainJsonError(Raw.post(live.socket(), sig, "{'signal': 'HUP'}"), 400, "not valid JSON");
        plainJsonError(Raw.post(live.socket(), sig, "{signal: HUP}"), 400, "not valid JSON");
        plainJsonError(Raw.post(live.socket(), sig, "{\"signal\": \"HUP\"} {}"), 400, "not valid JSON");
        plainJsonError(Raw.post(live.socket(), sig, "{\"signal\": \"HUP\", \"signal\": \"KILL\"}"), 400, "appears twice");
        plainJsonError(Raw.post(live.socket(), sig, "{\"signal\": \"HUP\", \"sginal\": 1}"), 400, "unknown field 'sginal'");
        plainJsonError(Raw.post(live.socket(), "/v1/shutdown", "{\"action\": \" halt\"}"), 400, "action");
        String logs = "/v1/services/talker/logs?";
        for (String q : new String[]{"n=%2B5", "n=%205", "n=5%20", "n=-1", "n=", "n=1e3", "n=99999999999", "n=0x10"})
            plainJsonError(Raw.get(live.socket(), logs + q), 400, "n=");
        for (String q : new String[]{"follow=yes", "follow=1", "follow=", "follow"})
            plainJsonError(Raw.get(live.socket(), logs + q), 400, "true or false");
        plainJsonError(Raw.get(live.socket(), logs + "n=1&n=2"), 400, "more than once");
        plainJsonError(Raw.get(live.socket(), logs + "lines=5"), 400, "unknown query parameter 'lines'");
        plainJsonError(Raw.get(live.socket(), logs + "n=%zz"), 400, "%-encoded");
        String wait = "/v1/services/sleeper/wait?";
        for (String q : new String[]{"timeout=%201s", "timeout=1s%20", "timeout=-1s", "timeout=", "timeout=1", "timeout=99999999999999d9999999999d"})
            plainJsonError(Raw.get(live.socket(), wait + q), 400, "timeout=");
        plainJsonError(Raw.get(live.socket(), wait + "until=%20ready"), 400, "until=");
        plainJsonError(Raw.post(live.socket(), "/v1/services/sleeper/restart?wait=%2010s", ""), 400, "wait=");
        plainJsonError(Raw.post(live.socket(), "/v1/services/sleeper/restart?wiat=10s", ""), 400, "unknown query parameter 'wiat'");
        plainJsonError(Raw.get(live.socket(), "/v1/services?verbose=1"), 400, "takes none");
        // the exact forms still work
        assertEquals(200, Raw.get(live.socket(), logs + "n=2&follow=false").status());
        assertEquals(200, Raw.get(live.socket(), wait + "until=ready&timeout=1s").status());
    }

    @Test
    void aRequestNamingSeveralServicesIsCheckedWholeBeforeAnythingIsDone() throws Exception {
        var sleeper = live.stack.get("sleeper").orElseThrow();
        assertTrue(sleeper.await(s -> s.state() == banyan.supervise.ServiceState.UP, java.time.Duration.ofSeconds(10)));
        var before = sleeper.status();
        for (String action : new String[]{"restart", "stop", "start"}) {
            Raw.Answer a = Raw.post(live.socket(), "/v1/" + action + "?wait=5s", "{\"services\": [\"sleeper\", \"nope\", \"nada\"]}");
            plainJsonError(a, 404, "no service named 'nope', 'nada'; nothing was done");
        }
        plainJsonError(Raw.post(live.socket(), "/v1/restart", "{\"services\": []}"), 400, "at least one name");
        plainJsonError(Raw.post(live.socket(), "/v1/restart", "{\"services\": \"sleeper\"}"), 400, "at least one name");
        plainJsonError(Raw.post(live.socket(), "/v1/restart", "{\"services\": [\"sleeper\", 1]}"), 400, "names (strings) only");
        plainJsonError(Raw.post(live.socket(), "/v1/restart", "{\"services\": [\"sleeper\", \"sleeper\"]}"), 400, "named twice");
        plainJsonError(Raw.post(live.socket(), "/v1/restart", "{}"), 400, "at least one name");
        assertEquals(before.pid(), sleeper.status().pid(), "nothing was restarted");
        assertEquals(before.restarts(), sleeper.status().restarts());

        Raw.Answer both = Raw.post(live.socket(), "/v1/restart?wait=15s", "{\"services\": [\"sleeper\", \"talker\"]}");
        assertEquals(200, both.status(), both.body());
        var services = json(both).getAsJsonArray("services");
        assertEquals(List.of("sleeper", "talker"), services.asList().stream().map(e -> e.getAsJsonObject().get("name").getAsString()).toList());
        for (var e : services) assertEquals("done", e.getAsJsonObject().get("outcome").getAsString(), both.body());
        assertNotEquals(before.pid(), services.get(0).getAsJsonObject().get("pid").getAsInt());
        Raw.Answer noWait = Raw.post(live.socket(), "/v1/start", "{\"services\": [\"sleeper\"]}");
        assertEquals(202, noWait.status(), noWait.body());
        assertEquals("requested", json(noWait).getAsJsonArray("services").get(0).getAsJsonObject().get("outcome").getAsString());
    }

    @Test
    void aConnectionThatSendsNothingIsClosedSoonWithoutWaitingForTheRequestTimeout() throws Exception {
        try (SocketChannel quiet = Raw.open(live.socket())) {
            var read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return quiet.read(java.nio.ByteBuffer.allocate(16));
                } catch (java.io.IOException e) {
                    return -2;
                }
            });
            // QUIET (5 s) applies, not the 30 s allowed once a request has begun
            int n = read.get(25, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(n < 0, "closed by banyan: " + n);
        }
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

package banyan.control;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Generated bad requests against a real API on a real unix socket: malformed HTTP, huge headers
 * and bodies, wrong methods, unknown paths, invalid JSON of every shape, names with '/', '..',
 * NUL and thousands of characters, bad query values. Each gets a 4xx with {"error": ...}, and the
 * service behind it stays up. Then 1,000 such clients at once (a client turned away with 503, or
 * closed to make room, as docs/design.md says of a full listener, tries again), while another
 * dribbles its request at a byte a second. The suite runs 1,000 requests; more with
 * -Dbanyan.fuzz.requests=N (docs/reliability.md).
 */
class ApiFuzzTest {
    static LiveStack live;
    static final String H = "Host: banyan\r\nConnection: close\r\n";

    @BeforeAll
    static void start() throws Exception {
        live = new LiveStack("[service.s]\ncommand = [\"sleep\", \"600\"]\n");
        assertTrue(live.stack.get("s").orElseThrow().await(st -> st.state() == banyan.supervise.ServiceState.UP, java.time.Duration.ofSeconds(10)));
    }

    @AfterAll
    static void stop() throws Exception {
        live.close();
    }

    record Answer(int status, String head, String body) {}

    static final String[] NAMES = {"%2e%2e", "..", "a%2Fb", "a%00b", "%00", "x".repeat(300), "n".repeat(7000), "%c0%ae", "é", "%e2%80%a8",
            "a b", "nosuch", "s%20", "%s", "*", ".", "-", "@banyan", "s/../s", "s%2F..%2Fs"};
    static final String[] JSON = {"", "{", "}", "[", "[]", "null", "1", "-1", "\"x\"", "true", "{\"signal\":}", "{\"signal\":null}",
            "{\"signal\":[]}", "{\"signal\":{}}", "{\"signal\":\"NOPE\"}", "{\"signal\":\"HUP \"}", "{\"signal\":-1}", "{\"signal\":1e999}",
            "{\"signal\":\"HUP\",\"signal\":\"HUP\"}", "{\"signal\":\"HUP\",\"extra\":1}", "{\"signal\":\"HUP\"} x", "\uFEFF{\"signal\":\"HUP\"}",
            "{'signal':'HUP'}", "{\"signal\":\"\\u0000\"}", "{\"signal\":\"\\uD800\"}", "[".repeat(5000), "{\"a\":".repeat(3000),
            "{\"services\":\"s\"}", "{\"services\":[1]}", "{\"services\":[\"nosuch\"]}", "{\"services\":[]}", "{\"services\":[null]}",
            "{\"services\":[\"s\"],\"x\":1}", "{\"action\":\"explode\"}", "{\"action\":1}", "NaN", "Infinity", "\"\\x\""};
    static final String[] METHODS = {"PUT", "DELETE", "PATCH", "OPTIONS", "FOO", "get", "PROPFIND"};
    static final String[] KNOWN = {"/v1/services", "/v1/services/s", "/v1/services/s/signal", "/v1/services/s/logs", "/v1/services/s/wait",
            "/v1/start", "/v1/stop", "/v1/restart", "/v1/reload", "/v1/shutdown", "/v1/events", "/metrics", "/v1/roots"};

    /** One request with at least one thing wrong with it, so that every answer must be a 4xx. */
    static String request(Random r) {
        String known = KNOWN[r.nextInt(KNOWN.length)];
        return switch (r.nextInt(9)) {
            case 0 -> { // malformed HTTP
                String[] bad = {"\u0001\u0002 nonsense\r\n\r\n", "GET\r\n\r\n", "GET /v1/services HTTP/9.9\r\n" + H + "\r\n",
                        "GET /v1/services HTTP/1.1\r\nConnection: close\r\n\r\n", "GET /v1/services HTTP/1.1\r\n" + H + "no colon\r\n\r\n",
                        "GET /v1/services HTTP/1.1\r\n" + H + " folded: header\r\n\r\n", "POST /v1/reload HTTP/1.1\r\n" + H + "Content-Length: lots\r\n\r\n",
                        "POST /v1/reload HTTP/1.1\r\n" + H + "Content-Length: -5\r\n\r\n", "POST /v1/reload HTTP/1.1\r\n" + H
                        + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", "POST /v1/reload HTTP/1.1\r\n" + H
                        + "Transfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n", "GET /v1/ser\u0000vices HTTP/1.1\r\n" + H + "\r\n",
                        "GET v1/services HTTP/1.1\r\n" + H + "\r\n", "GET /v1/services HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n"};
                yield bad[r.nextInt(bad.length)];
            }
            case 1 -> "GET /v1/services HTTP/1.1\r\n" + H + "X-Big: " + "z".repeat(9000 + r.nextInt(20000)) + "\r\n\r\n";
            case 2 -> "POST /v1/services/s/signal HTTP/1.1\r\n" + H + "Content-Type: application/json\r\nContent-Length: "
                    + (70_000 + r.nextInt(10_000)) + "\r\n\r\n";
            case 3 -> METHODS[r.nextInt(METHODS.length)] + " " + known + " HTTP/1.1\r\n" + H + "Content-Length: 0\r\n\r\n";
            case 4 -> (known.matches(".*/(signal|start|stop|restart|reload|shutdown)$") ? "GET " : "POST ") + known
                    + " HTTP/1.1\r\n" + H + "Content-Length: 0\r\n\r\n"; // the other method
            case 5 -> "GET /v1/" + new String[]{"x", "services/s/x", "services/s/logs/x", "v2", "services//s", "services/s/"}[r.nextInt(6)]
                    + " HTTP/1.1\r\n" + H + "\r\n";
            case 6 -> "GET /v1/services/" + NAMES[r.nextInt(NAMES.length)] + (r.nextBoolean() ? "" : "/logs") + " HTTP/1.1\r\n" + H + "\r\n";
            case 7 -> {
                String body = JSON[r.nextInt(JSON.length)];
                String path = new String[]{"/v1/services/s/signal", "/v1/start", "/v1/restart", "/v1/shutdown"}[r.nextInt(4)];
                if (path.equals("/v1/shutdown") && (body.isEmpty() || body.equals("{}"))) body = "{\"action\":\"explode\"}"; // an empty one is valid
                if (!path.endsWith("signal") && body.contains("\"signal\":\"HUP\"}") && !body.contains("x")) body = "[]";
                byte[] b = body.getBytes(StandardCharsets.UTF_8);
                yield "POST " + path + " HTTP/1.1\r\n" + H + "Content-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n" + body;
            }
            default -> "GET " + new String[]{"/v1/services/s/logs?n=-1", "/v1/services/s/logs?n=abc", "/v1/services/s/logs?n=1&n=2",
                    "/v1/services/s/wait?until=never", "/v1/services/s/wait?timeout=soon", "/v1/services?x=1", "/v1/services/s?json=%00",
                    "/v1/services/s/logs?follow=maybe", "/v1/services/s/wait?timeout=-1s"}[r.nextInt(9)] + " HTTP/1.1\r\n" + H + "\r\n";
        };
    }

    /** One exchange, the whole answer, within 15 s; null when the server closed without answering. */
    static Answer exchange(Path socket, String request) throws Exception {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try (ch) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                try {
                    try {
                        ByteBuffer b = ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8));
                        while (b.hasRemaining()) ch.write(b);
                    } catch (IOException refusedHalfway) {
                        // answered and closed before the whole request was taken: read the answer
                    }
                    ByteArrayOutputStream all = new ByteArrayOutputStream();
                    ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
                    try {
                        while (ch.read(buf.clear()) > 0) all.write(buf.array(), 0, buf.position());
                    } catch (IOException reset) {
                        // a reset after the answer
                    }
                    return all.toByteArray();
                } catch (RuntimeException e) {
                    throw e;
                }
            }, command -> Thread.ofVirtual().start(command));
            byte[] got = read.get(15, TimeUnit.SECONDS);
            String all = new String(got, StandardCharsets.UTF_8);
            int split = all.indexOf("\r\n\r\n");
            if (split < 0) return null;
            String head = all.substring(0, split), body = all.substring(split + 4);
            if (head.toLowerCase().contains("transfer-encoding: chunked")) body = body.substring(body.indexOf("\r\n") + 2, body.lastIndexOf("\r\n0\r\n"));
            return new Answer(Integer.parseInt(head.split(" ", 3)[1]), head, body);
        }
    }

    static String check(Answer a, String request) {
        String what = shorten(request) + "\n -> " + (a == null ? "closed without an answer" : a.head() + "\n" + shorten(a.body()));
        if (a == null) return what;
        boolean version = request.contains(" HTTP/9.9\r\n") && a.status() == 505; // HTTP's own answer to a version it does not speak
        if ((a.status() < 400 || a.status() > 499) && !version) return what;
        try {
            JsonObject o = JsonParser.parseString(a.body()).getAsJsonObject();
            if (!o.has("error") || !o.get("error").isJsonPrimitive()) return what;
            String error = o.get("error").getAsString();
            if (error.matches("(?s).*(Exception|java\\.|org\\.eclipse|<html).*")) return what;
        } catch (RuntimeException e) {
            return what;
        }
        return null;
    }

    static String shorten(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "... (" + s.length() + " characters)" : s;
    }

    @Test
    void everyBadRequestIsA4xxWithAJsonError() throws Exception {
        int n = Integer.getInteger("banyan.fuzz.requests", 1000);
        Random r = new Random(Long.getLong("banyan.fuzz.seed", 1));
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String req = request(r);
            String bad = check(exchange(live.socket(), req), req);
            if (bad != null) wrong.add(bad);
        }
        assertEquals(List.of(), wrong.subList(0, Math.min(10, wrong.size())), wrong.size() + " of " + n + " answers were not a 4xx JSON error");
        assertEquals(200, exchange(live.socket(), "GET /v1/services/s HTTP/1.1\r\n" + H + "\r\n").status());
        assertEquals(banyan.supervise.ServiceState.UP, live.stack.get("s").orElseThrow().status().state());
        System.out.println("api fuzz: " + n + " bad requests, each a 4xx JSON error");
    }

    @Test
    void aThousandConcurrentBadClientsAndOneThatSendsAByteASecond() throws Exception {
        Path socket = live.socket();
        String slowRequest = "GET /v1/zz HTTP/1.1\r\nHost: b\r\n\r\n";
        CompletableFuture<String> slow = CompletableFuture.supplyAsync(() -> {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(socket));
                int sent = 0;
                try {
                    for (byte b : slowRequest.getBytes(StandardCharsets.UTF_8)) {
                        ch.write(ByteBuffer.wrap(new byte[]{b}));
                        sent++;
                        Thread.sleep(1000);
                    }
                    ByteBuffer buf = ByteBuffer.allocate(4096);
                    int got = ch.read(buf);
                    return got > 0 ? new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8) : "closed after the request";
                } catch (IOException e) {
                    return "closed by the server after " + sent + " byte(s)";
                }
            } catch (Exception e) {
                return e.toString();
            }
        }, command -> Thread.ofPlatform().daemon().start(command));

        int clients = 1000;
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        AtomicInteger retries = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Random r = new Random(c);
            threads.add(Thread.ofVirtual().start(() -> {
                String req = request(r);
                for (int attempt = 0; attempt < 200; attempt++) {
                    Answer a;
                    try {
                        a = exchange(socket, req);
                    } catch (Exception e) { // a full backlog (EAGAIN): try again
                        a = null;
                    }
                    if (a == null || a.status() == 503) {
                        retries.incrementAndGet();
                        java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
                        continue;
                    }
                    String bad = check(a, req);
                    if (bad != null) wrong.add(bad);
                    return;
                }
                wrong.add("never answered: " + shorten(req));
            }));
        }
        for (Thread t : threads) assertTrue(t.join(java.time.Duration.ofSeconds(120)), "a client did not end");
        assertEquals(List.of(), List.copyOf(wrong).subList(0, Math.min(10, wrong.size())), wrong.size() + " of " + clients + " clients");
        assertEquals(200, exchange(socket, "GET /v1/services/s HTTP/1.1\r\n" + H + "\r\n").status(), "the server keeps serving");

        String slowOutcome = slow.get(60, TimeUnit.SECONDS);
        assertTrue(slowOutcome.startsWith("HTTP/1.1 404") || slowOutcome.startsWith("closed by the server"), slowOutcome);
        assertEquals(200, exchange(socket, "GET /v1/services/s HTTP/1.1\r\n" + H + "\r\n").status());
        System.out.println("api fuzz: " + clients + " concurrent bad clients, " + retries + " tries again after 503 or a closed"
                + " connection; the slow client: " + slowOutcome.lines().findFirst().orElse(""));
    }

    /** Alone, a client sending a byte a second holds one connection, and every other request is answered as usual meanwhile. */
    @Test
    void aClientSendingAByteASecondDelaysNoOne() throws Exception {
        Path socket = live.socket();
        byte[] request = "GET /z HTTP/1.1\r\nHost:b\r\n\r\n".getBytes(StandardCharsets.UTF_8);
        long began = System.nanoTime();
        try (SocketChannel slow = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            slow.connect(UnixDomainSocketAddress.of(socket));
            String outcome = null;
            for (int i = 0; i < request.length && outcome == null; i++) {
                try {
                    slow.write(ByteBuffer.wrap(request, i, 1));
                } catch (IOException closed) {
                    outcome = "closed by the server after " + i + " byte(s), " + (System.nanoTime() - began) / 1_000_000_000 + " s";
                }
                long t = System.nanoTime();
                assertEquals(200, exchange(socket, "GET /v1/services/s HTTP/1.1\r\n" + H + "\r\n").status());
                assertTrue(System.nanoTime() - t < 2_000_000_000L, "another request waited for the slow one");
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000_000L - (System.nanoTime() - t));
            }
            if (outcome == null) {
                ByteBuffer buf = ByteBuffer.allocate(4096);
                slow.read(buf);
                outcome = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).lines().findFirst().orElse("closed");
            }
            System.out.println("api fuzz: a client sending a byte a second (" + request.length + " bytes): " + outcome);
            assertTrue(outcome.startsWith("HTTP/1.1 404") || outcome.startsWith("closed by the server"), outcome);
        }
    }
}

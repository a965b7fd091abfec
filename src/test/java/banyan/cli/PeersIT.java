package banyan.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two real `banyan up` processes on loopback TCP: B's app requires A's files (files@a). B boots
 * first and waits for nothing; its app follows A's files through stop, start, A's SIGKILL (after
 * peer_timeout) and A's return, with no one's help.
 */
class PeersIT {
    static final String TOKEN_A = "peer-a-" + ProcessHandle.current().pid(), TOKEN_B = "peer-b-" + ProcessHandle.current().pid();
    static final Duration PEER_TIMEOUT = Duration.ofMillis(1500);
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One `banyan up` listening on 127.0.0.1:port with token; started again by start(). */
    final class Machine implements AutoCloseable {
        final Path dir;
        final int port;
        final String token;
        Process up;

        Machine(String name, int port, String token, String config) throws Exception {
            this.dir = Files.createTempDirectory("banyan-peer-" + name);
            this.port = port;
            this.token = token;
            Files.writeString(dir.resolve("token"), token + "\n");
            Files.writeString(dir.resolve("banyan.toml"), "log_dir = \"" + dir.resolve("log") + "\"\n" + config);
        }

        Machine start() throws Exception {
            up = new ProcessBuilder(RealUp.java("up", "-f", dir.resolve("banyan.toml").toString(), "--control", dir.resolve("sock").toString(),
                    "--listen", "127.0.0.1:" + port, "--token-file", dir.resolve("token").toString()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("up.out").toFile())).start();
            return this;
        }

        JsonObject get(String path) throws Exception {
            HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5))
                    .header("Authorization", "Bearer " + token).build();
            HttpResponse<String> a = http.send(r, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, a.statusCode(), a.body());
            return JsonParser.parseString(a.body()).getAsJsonObject();
        }

        JsonObject service(String name) throws Exception {
            return get("/v1/services/" + name);
        }

        JsonObject peer(String name) throws Exception {
            for (JsonElement e : get("/v1/peers").getAsJsonArray("peers"))
                if (e.getAsJsonObject().get("name").getAsString().equals(name)) return e.getAsJsonObject();
            throw new AssertionError("no peer " + name + " in GET /v1/peers");
        }

        /** Waits (polling, at most limit) until the service's status satisfies done; fails with the last status. */
        JsonObject await(String service, Predicate<JsonObject> done, Duration limit) throws Exception {
            long end = System.nanoTime() + limit.toNanos();
            JsonObject last = null;
            while (System.nanoTime() < end) {
                try {
                    last = service(service);
                    if (done.test(last)) return last;
                } catch (java.io.IOException notYet) { // not listening yet
                }
                Thread.sleep(50);
            }
            fail(service + " did not get there within " + limit + "; last: " + last + "\n" + Files.readString(dir.resolve("up.out")));
            return null;
        }

        RealUp.Run banyan(String... args) throws Exception {
            String[] all = new String[args.length + 2];
            System.arraycopy(args, 0, all, 0, args.length);
            all[args.length] = "--control";
            all[args.length + 1] = dir.resolve("sock").toString();
            return RealUp.banyan(Map.of(), all);
        }

        void kill() throws Exception {
            up.destroyForcibly(); // SIGKILL
            assertTrue(up.waitFor(30, TimeUnit.SECONDS));
        }

        @Override
        public void close() throws Exception {
            if (up != null && up.isAlive()) {
                up.destroy();
                if (!up.waitFor(30, TimeUnit.SECONDS)) up.destroyForcibly();
            }
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static boolean up(JsonObject s) {
        return s.get("state").getAsString().equals("up") && s.get("ready").getAsBoolean();
    }

    static boolean down(JsonObject s) {
        return s.get("state").getAsString().equals("down");
    }

    @Test
    void aDependentFollowsItsRemoteRequirementThroughStopStartDeathAndReturn() throws Exception {
        int portA = freePort(), portB = freePort();
        String files = """
                [service.files]
                command = ["sh", "-c", "sleep 1; echo serving; exec sleep 100000"]
                ready = { log = "serving" }
                [service.alone]
                command = ["sleep", "100000"]
                requires = ["app@b"]
                """;
        try (Machine a = new Machine("a", portA, TOKEN_A, files + "[peer.b]\naddress = \"127.0.0.1:" + portB + "\"\ntoken_file = \""
                + Files.createTempFile("tok", "b") + "\"\n");
             Machine b = new Machine("b", portB, TOKEN_B, """
                     peer_timeout = "1500ms"
                     [peer.a]
                     address = "127.0.0.1:%d"
                     token_file = "%s"
                     [service.app]
                     command = ["sleep", "100000"]
                     requires = ["files@a"]
                     [service.local]
                     command = ["sleep", "100000"]
                     wants = ["files@a"]
                     """.formatted(portA, "TOKEN_FILE_A"))) {
            Files.writeString(b.dir.resolve("banyan.toml"), Files.readString(b.dir.resolve("banyan.toml"))
                    .replace("TOKEN_FILE_A", a.dir.resolve("token").toString()));
            Files.writeString(a.dir.resolve("banyan.toml"), Files.readString(a.dir.resolve("banyan.toml"))
                    .replaceAll("token_file = \".*\"", "token_file = \"" + b.dir.resolve("token") + "\""));
            // B boots while A is not there: what does not need A runs, app waits, nothing hangs
            b.start();
            b.await("local", PeersIT::up, Duration.ofSeconds(60));
            JsonObject app = b.await("app", s -> s.get("reason").getAsString().startsWith("waiting for files@a"), Duration.ofSeconds(10));
            assertTrue(down(app), app.toString());
            assertTrue(b.peer("a").get("state").getAsString().matches("connecting|unreachable"), b.peer("a").toString());

            // A comes: B's app starts once A's files is ready, not before; A's alone (requires app@b) follows too
            a.start();
            JsonObject filesUp = a.await("files", PeersIT::up, Duration.ofSeconds(60));
            app = b.await("app", PeersIT::up, Duration.ofSeconds(10));
            assertFalse(Instant.parse(app.get("since").getAsString()).isBefore(Instant.parse(filesUp.get("since").getAsString())),
                    "app started at " + app.get("since") + ", before files was ready at " + filesUp.get("since"));
            a.await("alone", PeersIT::up, Duration.ofSeconds(10)); // the two require each other's services and both booted
            JsonObject peer = b.peer("a");
            assertEquals("connected", peer.get("state").getAsString(), peer.toString());
            assertTrue(peer.get("latency_ms").getAsDouble() >= 0, peer.toString());
            RealUp.Run cli = b.banyan("peers");
            assertEquals(0, cli.code(), cli.err());
            assertTrue(cli.out().matches("(?s)NAME +ADDRESS +STATE.*\na +127\\.0\\.0\\.1:" + portA + " +connected .*"), cli.out());
            assertTrue(b.banyan("peers", "--json").out().contains("\"state\":\"connected\""));

            // A's files stops: B's app stops (requires), B's local keeps running (wants)
            long localPid = b.service("local").get("pid").getAsLong();
            assertEquals(0, a.banyan("stop", "files").code());
            b.await("app", s -> down(s) && s.get("reason").getAsString().startsWith("waiting for files@a"), Duration.ofSeconds(10));
            assertEquals(localPid, b.service("local").get("pid").getAsLong());
            // started again: app comes back by itself
            assertEquals(0, a.banyan("start", "files").code());
            a.await("files", PeersIT::up, Duration.ofSeconds(30));
            b.await("app", PeersIT::up, Duration.ofSeconds(10));

            // A dies: after peer_timeout (not before) B's app stops and the peer shows unreachable
            long filesPid = a.service("files").get("pid").getAsLong();
            long killed = System.nanoTime();
            a.kill();
            ProcessHandle.of(filesPid).ifPresent(ProcessHandle::destroyForcibly); // its orphan: A's services go with A's machine
            b.await("app", PeersIT::down, PEER_TIMEOUT.plusSeconds(5));
            double took = (System.nanoTime() - killed) / 1e9;
            assertTrue(took >= PEER_TIMEOUT.toMillis() / 1000.0 * 0.9, "app stopped " + took + " s after the kill, before peer_timeout");
            peer = b.peer("a");
            assertEquals("unreachable", peer.get("state").getAsString(), peer.toString());
            assertFalse(peer.get("last_error").getAsString().isEmpty(), peer.toString());
            assertEquals(localPid, b.service("local").get("pid").getAsLong());

            // A returns on the same port: everything comes back with no one's help
            a.start();
            a.await("files", PeersIT::up, Duration.ofSeconds(60));
            b.await("app", PeersIT::up, Duration.ofSeconds(10));
            a.await("alone", PeersIT::up, Duration.ofSeconds(10));
            assertEquals("connected", b.peer("a").get("state").getAsString());
            System.out.println("PeersIT: B's app stopped " + took + " s after A's SIGKILL (peer_timeout " + PEER_TIMEOUT.toMillis() + " ms)");
        }
    }

    @Test
    void aPeerThatIsNotBanyanIsAnError() throws Exception {
        try (ServerSocket fake = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                while (true) try (var s = fake.accept()) {
                    s.getOutputStream().write("SSH-2.0-OpenSSH_9.2\r\n".getBytes());
                } catch (java.io.IOException e) {
                    return;
                }
            });
            try (Machine b = new Machine("b", freePort(), TOKEN_B, """
                    [peer.x]
                    address = "127.0.0.1:%d"
                    token_file = "/dev/null/none"
                    [peer.ssh]
                    address = "127.0.0.1:%d"
                    token_file = "TOKEN"
                    [service.app]
                    command = ["sleep", "100000"]
                    requires = ["files@ssh"]
                    """.formatted(fake.getLocalPort(), fake.getLocalPort()))) {
                Files.writeString(b.dir.resolve("banyan.toml"), Files.readString(b.dir.resolve("banyan.toml"))
                        .replace("\"TOKEN\"", "\"" + b.dir.resolve("token") + "\""));
                b.start();
                b.await("app", s -> s.get("reason").getAsString().contains("peer ssh error"), Duration.ofSeconds(60));
                JsonObject ssh = b.peer("ssh"), x = b.peer("x");
                assertEquals("error", ssh.get("state").getAsString());
                assertEquals("not an HTTP answer: 'SSH-2.0-OpenSSH_9.2'", ssh.get("last_error").getAsString(), ssh.toString());
                assertEquals("error", x.get("state").getAsString());
                assertTrue(x.get("last_error").getAsString().startsWith("cannot read token_file /dev/null/none"), x.toString());
            }
        }
    }
}

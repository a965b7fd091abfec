package banyan.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Every client command against a real `banyan up --listen ... --token-file ...`, through --control http://HOST:PORT. */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.MethodName.class)
class RemoteClientTest {
    static RealUp up;
    static Map<String, String> token;

    @BeforeAll
    static void start() throws Exception {
        up = new RealUp("""
                [service.sleeper]
                command = ["sleep", "600"]
                [service.talker]
                command = "echo hello from talker; exec sleep 600"
                """);
        token = Map.of("BANYAN_TOKEN", RealUp.TOKEN);
    }

    @AfterAll
    static void stop() throws Exception {
        up.close();
    }

    static RealUp.Run remote(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--control";
        all[args.length + 1] = up.url();
        return RealUp.banyan(token, all);
    }

    @Test
    void statusInEveryShapeWithTheTokenFromTheEnvironmentOrAFile() throws Exception {
        RealUp.Run table = remote("status"); // the hand-parsed fast path
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().lines().anyMatch(l -> l.matches("sleeper\\s+up\\s+yes\\s+\\d+.*")), table.out());
        RealUp.Run one = remote("status", "talker", "--json");
        assertEquals(0, one.code(), one.err());
        assertTrue(one.out().contains("\"name\":\"talker\""), one.out());
        RealUp.Run file = RealUp.banyan(Map.of(), "status", "--control", up.url(), "--token-file", up.tokenFile.toString());
        assertEquals(0, file.code(), file.err());
        RealUp.Run fileThroughPicocli = RealUp.banyan(Map.of(), "status", "--json", "--token-file=" + up.tokenFile, "--control=" + up.url());
        assertEquals(0, fileThroughPicocli.code(), fileThroughPicocli.err());
        RealUp.Run env = RealUp.banyan(Map.of("BANYAN_CONTROL", up.url(), "BANYAN_TOKEN", RealUp.TOKEN), "status", "sleeper");
        assertEquals(0, env.code(), env.err());
        assertTrue(env.out().contains("sleeper"), env.out());
        RealUp.Run unknown = remote("status", "nosuch");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("no service named 'nosuch'"), unknown.err());
    }

    @Test
    void aMissingOrWrongTokenIsAUsageErrorThatSaysWhereTheTokenComesFrom() throws Exception {
        RealUp.Run none = RealUp.banyan(Map.of(), "status", "--control", up.url());
        assertEquals(2, none.code(), none.err());
        assertTrue(none.err().contains("needs its token: set BANYAN_TOKEN, or pass --token-file FILE"), none.err());
        RealUp.Run wrong = RealUp.banyan(Map.of("BANYAN_TOKEN", "not-the-token"), "status", "--control", up.url());
        assertEquals(2, wrong.code(), wrong.err());
        assertTrue(wrong.err().contains("refused the token (HTTP 401)") && wrong.err().contains("BANYAN_TOKEN"), wrong.err());
        Path other = up.dir.resolve("other-token");
        Files.writeString(other, "wrong\n");
        RealUp.Run wrongFile = RealUp.banyan(Map.of(), "stop", "sleeper", "--control", up.url(), "--token-file", other.toString());
        assertEquals(2, wrongFile.code(), wrongFile.err());
        assertTrue(wrongFile.err().contains("the first line of " + other), wrongFile.err());
        RealUp.Run missingFile = RealUp.banyan(Map.of(), "status", "--control", up.url(), "--token-file", up.dir.resolve("nope").toString());
        assertEquals(2, missingFile.code());
        assertTrue(missingFile.err().contains("--token-file " + up.dir.resolve("nope") + ": no such file"), missingFile.err());
        assertEquals("up", stateOf("sleeper"), "a refused stop stopped nothing");
    }

    @Test
    void badAddressesAreUsageErrorsAndNobodyListeningIsNotReachable() throws Exception {
        for (String bad : new String[]{"http://127.0.0.1", "https://127.0.0.1:7070", "http://127.0.0.1:99999", "http://h:1/v1", "ftp://x:1"}) {
            RealUp.Run r = RealUp.banyan(token, "status", "--control", bad);
            assertEquals(2, r.code(), bad + ": " + r.err());
            assertTrue(r.err().contains("http://HOST:PORT"), r.err());
        }
        RealUp.Run closed = RealUp.banyan(token, "status", "--control", "http://127.0.0.1:1");
        assertEquals(3, closed.code(), closed.err());
        assertTrue(closed.err().contains("not reachable at http://127.0.0.1:1"), closed.err());
        RealUp.Run server = RealUp.banyan(Map.of("BANYAN_CONTROL", up.url()), "up", "-f", up.dir.resolve("banyan.toml").toString());
        assertEquals(2, server.code(), server.err() + server.out());
        assertTrue((server.err() + server.out()).contains("is an address"), server.err() + server.out());
    }

    @Test
    void startStopRestartSignalWaitLogsAndReload() throws Exception {
        RealUp.Run stop = remote("stop", "sleeper", "talker");
        assertEquals(0, stop.code(), stop.err());
        assertEquals("sleeper: down\ntalker: down", stop.out().strip());
        RealUp.Run notReady = remote("wait", "sleeper", "--ready", "--timeout", "300ms");
        assertEquals(1, notReady.code());
        RealUp.Run start = remote("start", "sleeper", "talker");
        assertEquals(0, start.code(), start.err());
        assertTrue(start.out().startsWith("sleeper: up (pid "), start.out());
        RealUp.Run ready = remote("wait", "talker", "--ready");
        assertEquals(0, ready.code(), ready.err());
        RealUp.Run restart = remote("restart", "sleeper");
        assertEquals(0, restart.code(), restart.err());
        assertNotEquals(start.out().lines().findFirst(), restart.out().lines().findFirst(), "a new pid");
        RealUp.Run signal = remote("signal", "talker", "HUP");
        assertEquals(0, signal.code(), signal.err());
        assertTrue(signal.out().contains("sent SIGHUP"), signal.out());
        RealUp.Run logs = remote("logs", "talker", "-n", "5");
        assertEquals(0, logs.code(), logs.err());
        assertTrue(logs.out().contains(" out hello from talker"), logs.out());
        RealUp.Run reload = remote("reload");
        assertEquals(0, reload.code(), reload.err());
        assertTrue(reload.out().contains("unchanged 2"), reload.out());
    }

    @Test
    void logsFollowStreamsOverTcp() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(RealUp.java("logs", "talker", "-f", "-n", "0", "--control", up.url()));
        pb.environment().remove("BANYAN_CONTROL");
        pb.environment().put("BANYAN_TOKEN", RealUp.TOKEN);
        Process follower = pb.redirectErrorStream(true).start();
        try {
            // once the follower is connected (it shows up as a busy TCP connection), a restart writes a new line
            long end = System.nanoTime() + 30_000_000_000L;
            while (!metrics().contains("banyan_api_connections{listener=\"tcp\"} 1") && System.nanoTime() < end) Thread.onSpinWait();
            assertEquals(0, remote("restart", "talker").code());
            InputStream in = follower.getInputStream();
            StringBuilder seen = new StringBuilder();
            while (!seen.toString().contains("hello from talker")) {
                int c = in.read();
                if (c < 0) fail("the follower ended: " + seen);
                seen.append((char) c);
            }
            assertTrue(follower.isAlive(), "still following");
        } finally {
            follower.destroy();
            follower.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void zzShutdownOverTcpEndsBanyan() throws Exception {
        RealUp.Run r = remote("shutdown");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("banyan: stopped"), r.out());
        assertTrue(up.up.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, up.up.exitValue());
    }

    static String stateOf(String name) throws Exception {
        RealUp.Run r = remote("status", name, "--json");
        assertEquals(0, r.code(), r.err());
        return com.google.gson.JsonParser.parseString(r.out()).getAsJsonObject().get("state").getAsString();
    }

    static String metrics() throws Exception {
        try (var ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.connect(java.net.UnixDomainSocketAddress.of(up.socket));
            ch.write(java.nio.ByteBuffer.wrap("GET /metrics HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            return new String(java.nio.channels.Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}

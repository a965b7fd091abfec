package banyan.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** Connections that send nothing, however many, never lock the real client out of either listener. */
class ControlFloodTest {
    static RealUp up;

    @BeforeAll
    static void start() throws Exception {
        up = new RealUp("[service.s]\ncommand = [\"sleep\", \"600\"]\n");
    }

    @AfterAll
    static void stop() throws Exception {
        up.close();
    }

    SocketChannel unix() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(up.socket));
        return ch;
    }

    SocketChannel tcp() throws IOException {
        return SocketChannel.open(new InetSocketAddress("127.0.0.1", up.port));
    }

    /**
     * n connections, opened on another thread: a listener that stops accepting leaves connect() blocked, and this fails.
     * A platform thread, as the client's: a virtual thread's connect to a full unix backlog fails at once (EAGAIN).
     */
    static List<SocketChannel> open(int n, Callable<SocketChannel> connect) throws Exception {
        List<SocketChannel> all = java.util.Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < n; i++) all.add(connect.call());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, r -> Thread.ofPlatform().daemon().start(r));
        try {
            done.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            int opened = all.size();
            closeAll(all); // so that a stuck listener does not hang the tests after this one
            fail("only " + opened + " of " + n + " connections could be opened: the listener stopped accepting");
        }
        return all;
    }

    static void closeAll(List<SocketChannel> all) throws IOException {
        synchronized (all) {
            for (SocketChannel c : all) c.close();
        }
    }

    /** A line of GET /metrics through the unix socket (within 30 s: a stuck listener fails the test, not hangs it). */
    long metric(String series) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return metricNow(series);
            } catch (IOException e) {
                throw new IllegalStateException("GET /metrics: " + e, e);
            }
        }, r -> Thread.ofPlatform().daemon().start(r)).get(30, TimeUnit.SECONDS);
    }

    private long metricNow(String series) throws IOException {
        try (SocketChannel ch = unix()) {
            ch.write(ByteBuffer.wrap("GET /metrics HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            String all = new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\d+)$").matcher(all);
            assertTrue(m.find(), series + " in " + all);
            return Long.parseLong(m.group(1));
        }
    }

    @Test
    void fiveHundredIdleConnectionsToTheUnixSocketLockNobodyOut() throws Exception {
        List<SocketChannel> idle = open(500, this::unix);
        try {
            RealUp.Run during = RealUp.banyan(Map.of(), "status", "--control", up.socket.toString());
            assertEquals(0, during.code(), during.err());
            assertTrue(during.out().lines().anyMatch(l -> l.matches("s\\s+up\\s+yes.*")), during.out());
            assertTrue(metric("banyan_api_connections{listener=\"unix\"}") <= 64, "at most 64 kept open");
            assertTrue(metric("banyan_api_connections_evicted_total{listener=\"unix\"}") >= 500 - 64,
                    "the idle connections beyond 64 were closed to make room, and counted"); // no other test here evicts on unix
        } finally {
            closeAll(idle);
        }
        RealUp.Run after = RealUp.banyan(Map.of(), "status", "--control", up.socket.toString());
        assertEquals(0, after.code(), after.err());
    }

    @Test
    void fiveHundredIdleConnectionsToTheTcpListenerLockNobodyOut() throws Exception {
        long unixBefore = metric("banyan_api_connections_evicted_total{listener=\"unix\"}");
        List<SocketChannel> idle = open(500, this::tcp);
        try {
            RealUp.Run during = RealUp.banyan(Map.of("BANYAN_TOKEN", RealUp.TOKEN), "status", "--control", up.url());
            assertEquals(0, during.code(), during.err());
            assertTrue(during.out().lines().anyMatch(l -> l.matches("s\\s+up\\s+yes.*")), during.out());
            assertTrue(metric("banyan_api_connections_evicted_total{listener=\"tcp\"}") >= 500 - 64);
            assertEquals(unixBefore, metric("banyan_api_connections_evicted_total{listener=\"unix\"}"),
                    "the unix socket has connections of its own: a TCP flood closes none of them");
        } finally {
            closeAll(idle);
        }
        RealUp.Run after = RealUp.banyan(Map.of("BANYAN_TOKEN", RealUp.TOKEN), "status", "--control", up.url());
        assertEquals(0, after.code(), after.err());
    }

    @Test
    void whenEveryConnectionHasARequestInProgressANewcomerIsToldSoAndTheSlotsReturnWhenTheyClose() throws Exception {
        // followers of a service that prints nothing: banyan never writes to them, so only watching the connection shows they left
        List<SocketChannel> streams = open(64, () -> {
            SocketChannel ch = unix();
            ch.write(ByteBuffer.wrap("GET /v1/services/s/logs?n=0&follow=true HTTP/1.1\r\nHost: b\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            InputStream in = Channels.newInputStream(ch);
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) break;
                head.append((char) c);
            }
            assertTrue(head.toString().startsWith("HTTP/1.1 200"), head.toString());
            return ch;
        });
        try {
            RealUp.Run busy = RealUp.banyan(Map.of(), "status", "--control", up.socket.toString());
            assertEquals(3, busy.code(), busy.err());
            assertTrue(busy.err().contains("64 connections with a request in progress"), busy.err());
        } finally {
            closeAll(streams);
        }
        long end = System.nanoTime() + 30_000_000_000L;
        RealUp.Run r;
        do {
            r = RealUp.banyan(Map.of(), "status", "--control", up.socket.toString());
        } while (r.code() != 0 && System.nanoTime() < end);
        assertEquals(0, r.code(), r.err());
        assertTrue(metric("banyan_api_connections_refused_total{listener=\"unix\"}") >= 1);
    }
}

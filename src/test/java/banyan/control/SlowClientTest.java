package banyan.control;

import banyan.supervise.ServiceState;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class SlowClientTest {
    /** A follower that never reads: supervision, the log files and other clients go on; the follower is cut off. */
    @Test
    void aClientThatStopsReadingALogStreamDisturbsNothing() throws Exception {
        try (LiveStack live = new LiveStack("""
                [service.chatty]
                command = ["python3", "-c", "import sys\\nwhile True: sys.stdout.write('x' * 200 + '\\\\n')"]
                """, Duration.ofSeconds(1), Optional.empty(), Optional.empty())) {
            live.logs.ring("chatty").from(1000, 10, java.util.concurrent.TimeUnit.SECONDS);
            try (SocketChannel stuck = Raw.open(live.socket())) {
                Raw.send(stuck, "GET /v1/services/chatty/logs?follow=true&n=0 HTTP/1.1\r\nHost: b\r\n\r\n");
                long sizeBefore = Files.size(live.logs.file("chatty"));
                for (int i = 0; i < 20; i++) {
                    long t0 = System.nanoTime();
                    assertEquals(200, Raw.get(live.socket(), "/v1/services/chatty").status());
                    assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "the API stayed responsive");
                }
                long end = System.nanoTime() + 10_000_000_000L;
                while (Files.size(live.logs.file("chatty")) < sizeBefore + 1_000_000 && System.nanoTime() < end) Thread.onSpinWait();
                assertTrue(Files.size(live.logs.file("chatty")) >= sizeBefore + 1_000_000, "the log pump kept writing");
                // after the write timeout (1 s) the server gives up on it and closes the connection
                end = System.nanoTime() + 10_000_000_000L;
                while (live.server.openConnections() > 0 && System.nanoTime() < end) Thread.onSpinWait();
                assertEquals(0, live.server.openConnections(), "the stuck follower was disconnected");
                // reading now drains what was sent before, then ends
                InputStream in = Channels.newInputStream(stuck);
                byte[] buf = new byte[1 << 16];
                long got = 0;
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) got += n;
                assertTrue(got > 0);
            }
            assertEquals(ServiceState.UP, live.stack.get("chatty").orElseThrow().status().state());
        }
    }

    @Test
    void tcpNeedsTheToken() throws Exception {
        try (LiveStack live = new LiveStack("[service.s]\ncommand = [\"sleep\", \"60\"]\n", Duration.ofSeconds(5),
                Optional.of(new InetSocketAddress("127.0.0.1", 0)), Optional.of("s3cret-token"))) {
            int port = live.server.tcpPort();
            try (SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
                Raw.send(ch, "GET /v1/services HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n");
                assertTrue(new String(Channels.newInputStream(ch).readAllBytes()).startsWith("HTTP/1.1 401"));
            }
            try (SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
                Raw.send(ch, "GET /v1/services HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer wrong\r\nConnection: close\r\n\r\n");
                assertTrue(new String(Channels.newInputStream(ch).readAllBytes()).startsWith("HTTP/1.1 401"));
            }
            try (SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
                Raw.send(ch, "GET /v1/services HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer s3cret-token\r\nConnection: close\r\n\r\n");
                assertTrue(new String(Channels.newInputStream(ch).readAllBytes()).startsWith("HTTP/1.1 200"));
            }
            assertEquals(200, Raw.get(live.socket(), "/v1/services").status(), "the unix socket needs no token");
        }
    }

    @Test
    void refusesTcpWithoutAToken() {
        assertThrows(IllegalArgumentException.class, () -> new ControlServer.Options(java.nio.file.Path.of("/tmp/x.sock"),
                Optional.of(new InetSocketAddress("127.0.0.1", 0)), Optional.empty(), Duration.ofSeconds(1)));
    }
}

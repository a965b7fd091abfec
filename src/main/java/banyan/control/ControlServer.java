package banyan.control;

import banyan.logs.Logs;
import banyan.manage.Stack;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.SizeLimitHandler;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The control API server: Jetty's HTTP/1.1 on a unix socket (mode 0600), and optionally on TCP,
 * where every request must carry "Authorization: Bearer TOKEN". Requests run on virtual threads;
 * nothing here runs on a supervisor's thread, so no client can slow supervision down.
 */
public final class ControlServer implements AutoCloseable {
    /**
     * What `banyan up` and `banyan init` let the API do to banyan itself. shutdown gets the action
     * asked for (reboot, poweroff, halt; empty for the default). reload returns a one-line summary
     * or throws with the reason. proceed answers "accept" to the question of a bring-up by steps
     * and returns its step, or empty when no question waits.
     */
    public record Hooks(java.util.function.Consumer<Optional<String>> shutdown, Optional<Callable<String>> reload,
                        java.util.function.Supplier<Optional<String>> proceed) {
        public Hooks(java.util.function.Consumer<Optional<String>> shutdown, Optional<Callable<String>> reload) {
            this(shutdown, reload, Optional::empty);
        }
    }

    /**
     * @param writeTimeout how long a streaming client may leave a chunk unread before it is disconnected
     */
    public record Options(Path socket, Optional<InetSocketAddress> tcp, Optional<String> token, Duration writeTimeout) {
        public Options {
            if (tcp.isPresent() && token.map(String::isBlank).orElse(true))
                throw new IllegalArgumentException("a TCP listener needs a token (--token-file FILE); refusing to listen without one");
        }
    }

    private final Server server;
    private final Path socket;
    private final List<Connections> listeners = new ArrayList<>();

    /** Binds and starts; a live socket at the path (another banyan) is an error, a stale one is replaced. */
    public ControlServer(Options o, Stack stack, Logs logs, Events events, Hooks hooks) throws IOException {
        // Jetty logs through slf4j: no provider (its debug chatter is not for banyan's console), and no notice about that
        System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
        System.setProperty("slf4j.internal.verbosity", "WARN");
        this.socket = o.socket();
        prepare(socket);
        VirtualThreadPool threads = new VirtualThreadPool(256);
        threads.setName("api");
        // daemon scheduler: the API never keeps banyan alive on its own
        server = new Server(threads, new org.eclipse.jetty.util.thread.ScheduledExecutorScheduler("api-timer", true), null);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setRequestHeaderSize(8192);
        // each listener has its own connections: a flood on TCP, where anyone may connect, leaves the unix socket alone
        Map<Connector, Connections> guards = new HashMap<>();
        UnixDomainServerConnector unix = new UnixDomainServerConnector(server, new HttpConnectionFactory(http));
        unix.setUnixDomainPath(socket);
        guard(unix, "unix", guards);
        Optional<Connector> tcp = o.tcp().map(addr -> {
            ServerConnector c = new ServerConnector(server, new HttpConnectionFactory(http));
            c.setHost(addr.getHostString());
            c.setPort(addr.getPort());
            guard(c, "tcp", guards);
            return c;
        });
        Handler api = new Api(stack, logs, events, hooks, o.writeTimeout(), List.copyOf(listeners),
                new banyan.shell.Sessions(banyan.supervise.Host.inheritedEnvironment()));
        if (tcp.isPresent()) api = new TokenCheck(tcp.get(), o.token().orElseThrow(), api);
        SizeLimitHandler sizes = new SizeLimitHandler(Api.MAX_BODY, -1);
        sizes.setHandler(api);
        server.setHandler(new Connections.Gate(Map.copyOf(guards), sizes));
        server.setErrorHandler(new JsonErrors());
        server.setStopTimeout(1000);
        try {
            server.start();
        } catch (Exception e) {
            throw new IOException("cannot start the control API on " + socket + (o.tcp().isPresent() ? " and " + o.tcp().get() : "")
                    + ": " + e.getMessage(), e);
        }
        // The socket was created with the process umask; 0600 from now on (connecting needs write permission).
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    }

    public Path socket() {
        return socket;
    }

    private void guard(org.eclipse.jetty.server.AbstractConnector c, String name, Map<Connector, Connections> guards) {
        Connections g = new Connections(name, Connections.MAX);
        c.setIdleTimeout(Connections.IDLE.toMillis());
        c.addEventListener(g);
        server.addConnector(c);
        listeners.add(g);
        guards.put(c, g);
    }

    /** Connections open now, on every listener. */
    int openConnections() {
        return listeners.stream().mapToInt(Connections::open).sum();
    }

    /** The connections of each listener: unix, then tcp when there is one. */
    List<Connections> listeners() {
        return listeners;
    }

    /** The TCP port actually bound (useful with port 0), or -1. */
    public int tcpPort() {
        for (Connector c : server.getConnectors()) if (c instanceof ServerConnector s) return s.getLocalPort();
        return -1;
    }

    private static void prepare(Path socket) throws IOException {
        Path dir = socket.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        if (!Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            throw new IOException("another banyan is listening on " + socket + "; stop it, or give this one its own --control PATH");
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("another banyan")) throw e;
            Files.delete(socket); // nobody answers: left over from a banyan that died
        }
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            System.err.println("banyan: stopping the control API: " + e.getMessage());
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // best effort: a stale socket is replaced at the next start
        }
    }

    /** Requests through the TCP connector need the bearer token; the unix socket is guarded by its mode. */
    private static final class TokenCheck extends Handler.Wrapper {
        private final Connector tcp;
        private final byte[] expected;

        TokenCheck(Connector tcp, String token, Handler next) {
            super(next);
            this.tcp = tcp;
            this.expected = sha256("Bearer " + token);
        }

        @Override
        public boolean handle(Request req, Response resp, Callback cb) throws Exception {
            if (req.getConnectionMetaData().getConnector() == tcp) {
                String given = req.getHeaders().get(HttpHeader.AUTHORIZATION);
                // hashes of equal length, compared in constant time: neither content nor length leaks
                if (given == null || !MessageDigest.isEqual(sha256(given), expected)) {
                    resp.setStatus(401);
                    resp.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
                    resp.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                    resp.write(true, StandardCharsets.UTF_8.encode(Json.error(
                            "this listener needs the header 'Authorization: Bearer TOKEN'").toString() + "\n"), cb);
                    return true;
                }
            }
            return super.handle(req, resp, cb);
        }

        private static byte[] sha256(String s) {
            try {
                return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has SHA-256", e);
            }
        }
    }
}

package banyan.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The client side of the control API: one HTTP/1.1 exchange per connection over the unix socket
 * (or TCP with a token for an http:// address). Deliberately small instead of a client library:
 * `banyan status` must start and answer in a few tens of milliseconds, and the server is ours.
 */
final class ControlClient {
    /** banyan is not there: no socket, nobody listening, or no permission. Exit code 3. */
    static final class Unreachable extends Exception {
        Unreachable(String message) {
            super(message);
        }
    }

    record Response(int status, Map<String, String> headers, InputStream body, java.io.Closeable channel) implements AutoCloseable {
        String text() throws IOException {
            try (this) {
                return new String(body.readAllBytes(), StandardCharsets.UTF_8);
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static final String PROVIDER = "java.nio.channels.spi.SelectorProvider", EPOLL = "sun.nio.ch.EPollSelectorProvider";

    static {
        useJdkSelectorProvider();
    }

    /**
     * The first SocketChannel.open asks SelectorProvider.provider(), which looks for a provider in
     * every jar on the class path before it settles on the JDK's own: a ServiceLoader scan that
     * opens all thirteen jars, a quarter of the time `banyan status` took. The system property
     * (documented in SelectorProvider.provider) names that JDK provider up front. Only when this
     * JDK has it (Linux); a provider someone chose in the property stays.
     */
    static void useJdkSelectorProvider() {
        if (System.getProperty(PROVIDER) == null) {
            try {
                Class.forName(EPOLL, false, null);
                System.setProperty(PROVIDER, EPOLL);
            } catch (ClassNotFoundException | LinkageError e) {
                // another JDK layout: let the scan find the default
            }
        }
    }

    /** The token was refused (HTTP 401): a TCP listener wants the one in its --token-file. */
    static final class Denied extends Exception {
        Denied(String message) {
            super(message, null, false, false);
        }
    }

    /** A TCP connect that gets no answer (a host that drops packets) gives up after this instead of the kernel's two minutes. */
    static final int CONNECT_TIMEOUT_MS = 5000;

    private final String where;
    private final Optional<Path> socket;
    private final Optional<InetSocketAddress> tcp; // unresolved: a name is looked up when connecting
    private final Optional<String> token;

    /** where: a socket's path, or http://HOST:PORT (IllegalArgumentException saying what is wrong with it). */
    ControlClient(String where, Optional<String> token) {
        this.where = where;
        this.token = token;
        if (where.contains("://")) {
            this.tcp = Optional.of(address(where));
            this.socket = Optional.empty();
        } else {
            this.tcp = Optional.empty();
            this.socket = Optional.of(Path.of(where));
        }
    }

    /** http://HOST:PORT (HOST a name, an IPv4 address or [IPv6]), optionally with a final '/'. */
    static InetSocketAddress address(String url) {
        String how = "; write it as http://HOST:PORT, the address given to banyan up --listen";
        if (url.startsWith("https://"))
            throw new IllegalArgumentException("'" + url + "': banyan's TCP listener speaks plain HTTP, not https" + how);
        if (!url.startsWith("http://")) throw new IllegalArgumentException("'" + url + "' is not an http:// address" + how);
        String rest = url.substring("http://".length());
        if (rest.endsWith("/")) rest = rest.substring(0, rest.length() - 1);
        int colon = rest.lastIndexOf(':');
        String host = colon < 0 ? rest : rest.substring(0, colon), port = colon < 0 ? "" : rest.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        if (host.isEmpty() || !host.matches("[A-Za-z0-9.:_-]+"))
            throw new IllegalArgumentException("'" + url + "' has no host, or more than HOST:PORT (a path, a user, a query)" + how);
        if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) == 0 || Integer.parseInt(port) > 65535)
            throw new IllegalArgumentException("'" + url + "' needs a port from 1 to 65535" + how);
        return InetSocketAddress.createUnresolved(host, Integer.parseInt(port));
    }

    String where() {
        return where;
    }

    boolean remote() {
        return tcp.isPresent();
    }

    /**
     * How long banyan may keep silent before its answer (its status line and headers) and between
     * the bytes of a body of known length: a banyan that accepts and never answers (stuck, or not
     * banyan at all) ends the command with exit code 3 instead of hanging it. Streams (logs -f,
     * events) may be silent for as long as nothing happens, once their headers are in.
     */
    static final java.time.Duration ANSWER_TIMEOUT = banyan.control.Inputs.duration(System.getProperty("banyan.answerTimeout", "10s"))
            .orElse(java.time.Duration.ofSeconds(10)); // the property is for tests, which cannot wait 10 s per case

    /** Thrown when banyan did not answer within its time; exit code 3. */
    static final class Silent extends IOException {
        Silent(String message) {
            super(message);
        }
    }

    Response request(String method, String path, String jsonBody) throws IOException, Unreachable, Denied {
        return request(method, path, jsonBody, java.time.Duration.ZERO, null);
    }

    /** serverWait: how long the server itself may wait before it answers (a ?wait= or a long poll), on top of ANSWER_TIMEOUT. */
    Response request(String method, String path, String jsonBody, java.time.Duration serverWait) throws IOException, Unreachable, Denied {
        return request(method, path, jsonBody, serverWait, null);
    }

    /**
     * With upgrade (a protocol such as banyan-shell), asks to switch the connection to it: a 101
     * answer's body is the raw connection from then on, and {@link Response#channel} (a blocking
     * SocketChannel) writes to it.
     */
    Response request(String method, String path, String jsonBody, String upgrade) throws IOException, Unreachable, Denied {
        return request(method, path, jsonBody, java.time.Duration.ZERO, upgrade);
    }

    private Response request(String method, String path, String jsonBody, java.time.Duration serverWait, String upgrade)
            throws IOException, Unreachable, Denied {
        SocketChannel ch = connect();
        long answerMs = ANSWER_TIMEOUT.plus(serverWait).toMillis();
        TimedChannel timed = null;
        try {
            byte[] body = jsonBody == null ? new byte[0] : jsonBody.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                    .append("Host: banyan\r\nAccept: application/json, text/plain, text/event-stream\r\n")
                    .append(upgrade == null ? "Connection: close\r\n" : "Connection: Upgrade\r\nUpgrade: " + upgrade + "\r\n");
            token.ifPresent(t -> head.append("Authorization: Bearer ").append(t).append("\r\n"));
            if (jsonBody != null) head.append("Content-Type: application/json\r\n");
            if (jsonBody != null || method.equals("POST")) head.append("Content-Length: ").append(body.length).append("\r\n");
            head.append("\r\n");
            timed = new TimedChannel(ch, where);
            timed.timeoutMs = answerMs;
            timed.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            timed.write(body);
            InputStream in = new BufferedInputStream(timed, 16 * 1024);
            String status = line(in);
            String[] parts = status.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("[0-9]{3}"))
                throw new IOException("not an HTTP answer from " + where + ": " + status);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                int colon = h.indexOf(':');
                if (colon > 0) headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
            }
            int code = Integer.parseInt(parts[1]);
            if (code == 401 && tcp.isPresent()) throw new Denied("banyan at " + where + " refused the token (HTTP 401)");
            if (code == 101 && upgrade != null) { // the shell's frames from now on, in both directions, with no time limit
                timed.blocking();
                return new Response(code, headers, in, ch);
            }
            boolean chunked = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"));
            timed.timeoutMs = chunked ? 0 : ANSWER_TIMEOUT.toMillis(); // a stream is silent while nothing happens
            InputStream content = chunked ? new Chunked(in)
                    : headers.containsKey("content-length") ? new Limited(in, Long.parseLong(headers.get("content-length"))) : in;
            return new Response(code, headers, content, timed);
        } catch (IOException | RuntimeException | Denied e) {
            if (timed != null) timed.close();
            ch.close();
            throw e;
        }
    }

    private SocketChannel connect() throws IOException, Unreachable {
        SocketChannel ch = SocketChannel.open(socket.isPresent() ? StandardProtocolFamily.UNIX : StandardProtocolFamily.INET);
        try {
            if (socket.isPresent()) ch.connect(UnixDomainSocketAddress.of(socket.get()));
            else ch.socket().connect(new InetSocketAddress(tcp.get().getHostString(), tcp.get().getPort()), CONNECT_TIMEOUT_MS);
            return ch;
        } catch (IOException | IllegalArgumentException e) { // UnresolvedAddressException is an IllegalArgumentException
            ch.close();
            String why = e instanceof java.nio.channels.UnresolvedAddressException || e instanceof java.net.UnknownHostException ? "no such host"
                    : e instanceof java.net.SocketTimeoutException ? "no answer within " + CONNECT_TIMEOUT_MS / 1000 + " s"
                    : e.getMessage() == null ? e.toString() : e.getMessage();
            throw new Unreachable("banyan is not reachable at " + where + " (" + why + "); " + (tcp.isPresent()
                    ? "is `banyan up --listen " + tcp.get().getHostString() + ":" + tcp.get().getPort() + "` running there?"
                    : "is `banyan up` running? Point to it with --control PATH or BANYAN_CONTROL"));
        }
    }

    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                if (b.size() == 0) throw new EOFException("connection closed");
                break;
            }
            if (b.size() > 64 * 1024) throw new IOException("header line too long");
            b.write(c);
        }
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** A body of known length. */
    private static final class Limited extends InputStream {
        private final InputStream in;
        private long left;

        Limited(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) return -1;
            int c = in.read();
            if (c >= 0) left--;
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) return -1;
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) left -= n;
            return n;
        }
    }

    /** A body in HTTP/1.1 chunks (streams: logs -f, events). */
    private static final class Chunked extends InputStream {
        private final InputStream in;
        private long left; // in the current chunk
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        private boolean next() throws IOException {
            if (done) return false;
            if (left == 0) {
                String size = line(in).split(";", 2)[0].trim();
                left = Long.parseLong(size, 16);
                if (left == 0) {
                    done = true;
                    return false;
                }
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (!next()) return -1;
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) throw new EOFException("stream ended inside a chunk");
            left -= n;
            if (left == 0) line(in); // the CRLF after each chunk
            return n;
        }
    }
}

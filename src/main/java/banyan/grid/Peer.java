package banyan.grid;

import banyan.config.PeerConfig;
import banyan.os.TextFile;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Follows one peer over one long-lived connection: GET /v1/services, then GET /v1/events with a
 * keepalive every peer_timeout/3, so a silence of peer_timeout means the peer (or the link) is
 * gone. Runs on its own virtual thread, `peer-NAME`, which alone writes the fields; what others
 * see is the published {@link PeerStatus}. Nothing waits on it: listeners are told of a change.
 */
final class Peer {
    private static final Duration BACKOFF_MIN = Duration.ofMillis(100), BACKOFF_MAX = Duration.ofSeconds(5);

    final PeerConfig config;
    private final Duration timeout;
    private final Runnable changed;
    private volatile PeerStatus status;
    private volatile boolean closed;
    private volatile Socket socket;       // the current connection, closed by close() to end a blocked read
    private Thread thread;
    private long lastHeard;               // peer thread: System.nanoTime() of the last byte from the peer; 0 before any

    Peer(PeerConfig config, Duration timeout, Runnable changed) {
        this.config = config;
        this.timeout = timeout;
        this.changed = changed;
        this.status = new PeerStatus(config.name(), config.address(), PeerState.CONNECTING, Instant.now(), "", -1, Map.of());
    }

    PeerStatus status() {
        return status;
    }

    Peer open() {
        thread = Thread.ofVirtual().name("peer-" + config.name()).start(this::run);
        return this;
    }

    void close() {
        closed = true;
        Socket s = socket;
        if (s != null) try {
            s.close();
        } catch (IOException ignored) { } // closing is all that was asked
        if (thread != null) thread.interrupt();
    }

    private void run() {
        Duration backoff = BACKOFF_MIN;
        while (!closed) {
            try {
                follow();
            } catch (Wire.Garbage e) {
                publish(PeerState.ERROR, e.getMessage(), status.latencyMs(), Map.of());
            } catch (IOException | RuntimeException e) {
                if (closed) return;
                lost(describe(e));
            } catch (InterruptedException e) {
                return;
            }
            if (status.state() == PeerState.CONNECTED) backoff = BACKOFF_MIN; // it worked for a while: come back quickly
            try {
                // jitter, so that the peers of a machine that returns do not all call at once
                long pause = backoff.toMillis() / 2 + ThreadLocalRandom.current().nextLong(backoff.toMillis() / 2 + 1);
                long deadline = lastHeard == 0 ? Long.MAX_VALUE : lastHeard + timeout.toNanos();
                long toDeadline = (deadline - System.nanoTime()) / 1_000_000;
                if (toDeadline > 0 && toDeadline < pause) { // the silence runs out during the pause: say so on time
                    Thread.sleep(toDeadline);
                    lost(status.lastError());
                    pause -= toDeadline;
                }
                Thread.sleep(pause);
                lost(status.lastError());
            } catch (InterruptedException e) {
                return;
            }
            backoff = backoff.multipliedBy(2).compareTo(BACKOFF_MAX) > 0 ? BACKOFF_MAX : backoff.multipliedBy(2);
        }
    }

    /** One connection, until it ends: throws why. */
    private void follow() throws IOException, InterruptedException {
        String token;
        try {
            token = TextFile.read(config.tokenFile()).strip();
        } catch (TextFile.Unreadable e) {
            throw new Wire.Garbage("cannot read token_file " + config.tokenFile() + ": " + e.getMessage());
        }
        if (token.isEmpty()) throw new Wire.Garbage("token_file " + config.tokenFile() + " is empty");
        try (Socket s = new Socket()) {
            socket = s;
            if (closed) return;
            s.connect(new InetSocketAddress(config.host(), config.port()), (int) Math.max(100, timeout.toMillis()));
            s.setSoTimeout((int) timeout.toMillis()); // every read: a keepalive comes every timeout/3
            s.setTcpNoDelay(true);
            var in = new BufferedInputStream(s.getInputStream());
            Wire wire = new Wire(in);
            String hostPort = config.address();
            long sent = System.nanoTime();
            s.getOutputStream().write(Wire.request("/v1/services", hostPort, token));
            Wire.Head head = wire.head();
            double latency = (System.nanoTime() - sent) / 1e6;
            heard();
            refusal(head);
            Map<String, PeerStatus.Remote> services = services(wire.body(head));
            long keepalive = Math.max(100, timeout.toMillis() / 3);
            s.getOutputStream().write(Wire.request("/v1/events?keepalive=" + keepalive + "ms", hostPort, token));
            Wire.Head events = wire.head();
            heard();
            refusal(events);
            if (!events.headers().getOrDefault("content-type", "").startsWith("text/event-stream"))
                throw new Wire.Garbage("GET /v1/events is not a text/event-stream: is this a banyan of another version?");
            publish(PeerState.CONNECTED, "", latency, services);
            String event = "";
            StringBuilder data = new StringBuilder();
            for (String line; (line = wire.streamLine(events.chunked())) != null; ) {
                heard();
                if (line.startsWith("event:")) event = line.substring(6).strip();
                else if (line.startsWith("data:")) data.append(line.substring(5).strip());
                else if (line.isEmpty() && !event.isEmpty()) {
                    if (event.equals("state")) services = changed(services, data.toString());
                    else if (event.equals("overflow")) throw new IOException("the peer's event stream overflowed");
                    event = "";
                    data.setLength(0);
                }
            }
            throw new IOException("the peer ended its event stream");
        } finally {
            socket = null;
        }
    }

    private void heard() {
        lastHeard = System.nanoTime();
    }

    private static void refusal(Wire.Head h) throws Wire.Garbage {
        if (h.status() == 401 || h.status() == 403)
            throw new Wire.Garbage("the peer refused the token (HTTP " + h.status() + "); check token_file against its --token-file");
        if (h.status() != 200) throw new Wire.Garbage("the peer answered HTTP " + h.status() + ": is this the TCP API of a banyan?");
    }

    private static Map<String, PeerStatus.Remote> services(String body) throws Wire.Garbage {
        Map<String, PeerStatus.Remote> out = new HashMap<>();
        try {
            for (JsonElement e : JsonParser.parseString(body).getAsJsonObject().getAsJsonArray("services"))
                put(out, e.getAsJsonObject());
        } catch (RuntimeException e) { // Gson's parse and cast errors alike: the answer is not banyan's
            throw new Wire.Garbage("GET /v1/services did not answer {\"services\": [...]}: is this a banyan? (" + Wire.printable(body) + ")");
        }
        return out;
    }

    private Map<String, PeerStatus.Remote> changed(Map<String, PeerStatus.Remote> services, String data) throws Wire.Garbage {
        Map<String, PeerStatus.Remote> out = new HashMap<>(services);
        try {
            put(out, JsonParser.parseString(data).getAsJsonObject());
        } catch (RuntimeException e) {
            throw new Wire.Garbage("an event that is not a banyan state change: " + Wire.printable(data));
        }
        if (!out.equals(services)) publish(PeerState.CONNECTED, "", status.latencyMs(), out);
        return out;
    }

    private static void put(Map<String, PeerStatus.Remote> out, JsonObject o) {
        out.put(o.get("name").getAsString(), new PeerStatus.Remote(o.get("state").getAsString(), o.get("ready").getAsBoolean(),
                o.get("since").getAsString()));
    }

    /** The connection is gone: its services still count for the rest of peer_timeout, then the peer is unreachable. */
    private void lost(String why) {
        PeerStatus st = status;
        if (st.state() == PeerState.ERROR) return; // it answered, wrongly: stays error until it answers rightly
        boolean silent = lastHeard == 0 || System.nanoTime() - lastHeard >= timeout.toNanos();
        if (silent && lastHeard == 0 && Duration.between(st.since(), Instant.now()).compareTo(timeout) < 0) silent = false;
        if (silent) publish(PeerState.UNREACHABLE, why, st.latencyMs(), Map.of());
        else if (!why.equals(st.lastError())) publish(st.state(), why, st.latencyMs(), st.services());
    }

    private void publish(PeerState state, String error, double latency, Map<String, PeerStatus.Remote> services) {
        PeerStatus before = status;
        Instant since = before.state() == state ? before.since() : Instant.now();
        PeerStatus now = before.with(state, since, error, latency, services);
        if (now.equals(before)) return;
        status = now;
        if (before.state() != state)
            System.err.println("banyan: peer " + config.name() + " (" + config.address() + "): " + state + (error.isEmpty() ? "" : ": " + error));
        changed.run();
    }

    private static String describe(Exception e) {
        if (e instanceof SocketTimeoutException) return "silent for longer than peer_timeout";
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}

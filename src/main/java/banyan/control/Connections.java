package banyan.control;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.IdleTimeout;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The connections of one listener (the unix socket, or TCP), at most {@link #MAX} open. One more
 * closes the connection that has been silent longest with no request in progress, so idle or
 * abandoned connections, however many, never lock `banyan status` out. When every open connection
 * has a request in progress (streams, waits), the newcomer's request is answered 503 and its
 * connection closed. Both are counted for /metrics.
 *
 * Accepting never pauses. Jetty's NetworkConnectionLimit pauses it, and Jetty 12.1.10's unix-domain
 * connector, when told to resume with a blocking acceptor thread, registers that blocking server
 * channel with a selector (its setAccepting tests the acceptor count the wrong way round, fixed
 * upstream in jetty#15668): the registration fails and closes the listening socket, which is how
 * 64 idle connections killed the control socket for good.
 */
final class Connections implements Connection.Listener {
    static final int MAX = 64;
    /**
     * Silence allowed to a connection with no request in progress (before its first request, or
     * between two): banyan's client and curl write their request the moment they connect, and 5 s
     * still covers one stalled by a loaded machine. It only gives file descriptors back early:
     * eviction already keeps such connections from blocking anyone.
     */
    static final Duration QUIET = Duration.ofSeconds(5);
    /** Silence allowed once a request's headers are in: a body sent slowly, or a handler that waits (at most Api.MAX_WAIT). */
    static final Duration IDLE = Duration.ofSeconds(30);

    final String listener;
    private final int max;
    // open, busy and refused are touched by Jetty's selector and request threads; changes to open are made under this
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final Set<Connection> busy = ConcurrentHashMap.newKeySet();
    private final Set<Connection> refused = ConcurrentHashMap.newKeySet();
    private final LongAdder evicted = new LongAdder(), refusals = new LongAdder();

    Connections(String listener, int max) {
        this.listener = listener;
        this.max = max;
    }

    int open() {
        return open.size() + refused.size();
    }

    int max() {
        return max;
    }

    long evicted() {
        return evicted.sum();
    }

    long refused() {
        return refusals.sum();
    }

    @Override
    public void onOpened(Connection c) {
        c.getEndPoint().setIdleTimeout(QUIET.toMillis());
        synchronized (this) {
            if (open.size() >= max && !evictOne()) {
                refused.add(c); // kept only until its request is answered 503, or for QUIET
                refusals.increment();
                return;
            }
            open.add(c);
        }
    }

    @Override
    public void onClosed(Connection c) {
        open.remove(c);
        busy.remove(c);
        refused.remove(c);
    }

    /**
     * Closes the quiet connection that has been silent longest. Known race: a request that arrives
     * on it in the same instant is cut off; its client sees the connection close.
     */
    private boolean evictOne() {
        Connection victim = null;
        long longest = -1;
        for (Connection o : open) {
            if (busy.contains(o)) continue;
            long silent = o.getEndPoint() instanceof IdleTimeout t ? t.getIdleFor() : 0;
            if (silent > longest) {
                longest = silent;
                victim = o;
            }
        }
        if (victim == null) return false;
        open.remove(victim);
        evicted.increment();
        victim.getEndPoint().close(new java.util.concurrent.TimeoutException("closed to make room for a new connection"));
        return true;
    }

    /** The outermost handler of a listener: marks each connection busy while a request of it is handled. */
    static final class Gate extends Handler.Wrapper {
        private final java.util.Map<org.eclipse.jetty.server.Connector, Connections> byConnector;

        Gate(java.util.Map<org.eclipse.jetty.server.Connector, Connections> byConnector, Handler next) {
            super(next);
            this.byConnector = byConnector;
        }

        @Override
        public boolean handle(Request req, Response resp, Callback cb) throws Exception {
            Connections of = byConnector.get(req.getConnectionMetaData().getConnector());
            Connection c = req.getConnectionMetaData().getConnection();
            if (of == null) return super.handle(req, resp, cb);
            if (of.refused.contains(c)) {
                resp.setStatus(503);
                resp.getHeaders().put(HttpHeader.CONNECTION, "close");
                resp.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                resp.write(true, StandardCharsets.UTF_8.encode(Json.error("the control API has " + of.max
                        + " connections with a request in progress (streams, waits) on this listener; try again when one ends") + "\n"), cb);
                return true;
            }
            EndPoint ep = c.getEndPoint();
            ep.setIdleTimeout(IDLE.toMillis());
            of.busy.add(c);
            // released before the exchange completes: the next request on this connection must find it quiet
            Callback done = new Callback() {
                @Override
                public void succeeded() {
                    release();
                    cb.succeeded();
                }

                @Override
                public void failed(Throwable x) {
                    release();
                    cb.failed(x);
                }

                @Override
                public InvocationType getInvocationType() {
                    return cb.getInvocationType();
                }

                private void release() {
                    of.busy.remove(c);
                    ep.setIdleTimeout(QUIET.toMillis());
                }
            };
            try {
                if (super.handle(req, resp, done)) return true;
            } catch (Throwable t) {
                of.busy.remove(c);
                throw t;
            }
            of.busy.remove(c);
            return false;
        }
    }
}

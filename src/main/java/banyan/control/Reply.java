package banyan.control;

import com.google.gson.JsonObject;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One response: whole (json, text) or streamed (begin, chunk, end). A streamed chunk that the
 * client does not take within the write timeout ends the connection, so a client that stops
 * reading costs one virtual thread for a bounded time and nothing else.
 */
final class Reply {
    private final Request req;
    private final Response resp;
    private final Callback done;
    private final Duration writeTimeout;
    private Thread streamer; // the thread of a stream while it runs, under this; interrupted when the client goes

    Reply(Request req, Response resp, Callback done, Duration writeTimeout) {
        this.req = req;
        this.resp = resp;
        this.done = done;
        this.writeTimeout = writeTimeout;
    }

    void json(int status, JsonObject body) {
        text(status, "application/json", body.toString() + "\n");
    }

    void text(int status, String type, String body) {
        resp.setStatus(status);
        resp.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        Content.Sink.write(resp, true, body, done);
    }

    /**
     * Starts a stream on the calling thread; the connection's idle timeout is lifted, since a quiet
     * stream is not a dead one. Jetty notices that a client went away only when it next writes, and
     * a follower of a quiet service may not be written to for hours, holding a connection of the
     * API: so the connection is watched, and a client that closes it interrupts the stream's thread.
     */
    void begin(String type) {
        resp.setStatus(200);
        resp.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        resp.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        resp.getHeaders().put(HttpHeader.CONNECTION, "close"); // the connection's last exchange: nothing after it is HTTP's to read
        EndPoint ep = req.getConnectionMetaData().getConnection().getEndPoint();
        ep.setIdleTimeout(0);
        synchronized (this) {
            streamer = Thread.currentThread();
        }
        watch(ep);
    }

    /** Reads what the client sends after a stream's request: nothing until it closes (EOF), which ends the stream. */
    private void watch(EndPoint ep) {
        ep.tryFillInterested(Callback.from(() -> {
            try {
                int n = ep.fill(BufferUtil.allocate(512));
                if (n < 0) gone();
                else watch(ep); // bytes sent during a stream are not a request: dropped
            } catch (java.io.IOException e) {
                gone();
            }
        }, x -> gone()));
    }

    private synchronized void gone() {
        if (streamer != null) streamer.interrupt();
    }

    /** The stream's thread is done with it: from now on nothing interrupts it (a pending interrupt is cleared). */
    private synchronized void unwatch() {
        if (streamer == Thread.currentThread()) Thread.interrupted();
        streamer = null;
    }

    void chunk(String text) throws Exception {
        Callback.Completable written = new Callback.Completable();
        resp.write(false, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), written);
        written.get(writeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    void end() {
        unwatch();
        resp.write(true, null, done);
    }

    /** Ends the exchange by closing the connection (the client is gone or stuck). */
    void abort(Throwable why) {
        unwatch();
        req.getConnectionMetaData().getConnection().getEndPoint().close(why); // also fails a write that is stuck
        done.failed(why);
    }
}

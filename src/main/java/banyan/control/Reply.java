package banyan.control;

import com.google.gson.JsonObject;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
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

    /** Starts a stream; the connection's idle timeout is lifted, since a quiet stream is not a dead one. */
    void begin(String type) {
        resp.setStatus(200);
        resp.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        resp.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        req.getConnectionMetaData().getConnection().getEndPoint().setIdleTimeout(0);
    }

    void chunk(String text) throws Exception {
        Callback.Completable written = new Callback.Completable();
        resp.write(false, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), written);
        written.get(writeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    void end() {
        resp.write(true, null, done);
    }

    /** Ends the exchange by closing the connection (the client is gone or stuck). */
    void abort(Throwable why) {
        req.getConnectionMetaData().getConnection().getEndPoint().close(why); // also fails a write that is stuck
        done.failed(why);
    }
}

package banyan.control;

import banyan.logs.Logs;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

/** GET /v1/events: each state change as a server-sent event "state" (a root's: "root"); a comment every 15 s (or ?keepalive) keeps proxies and clients awake. */
final class EventStream {
    private EventStream() {}

    /** The default, for proxies; a peer asks for a third of its peer_timeout (?keepalive=1s) so that a silence means it is gone. */
    static final java.time.Duration KEEPALIVE = java.time.Duration.ofSeconds(15), MIN_KEEPALIVE = java.time.Duration.ofMillis(100);

    static void serve(Events events, Logs logs, Reply reply, java.time.Duration keepalive) {
        reply.begin("text/event-stream");
        try (Events.Subscription sub = events.subscribe()) {
            reply.chunk(": banyan events\n\n"); // subscribed before this is sent: nothing after it is missed
            while (true) {
                if (sub.overflowed && sub.queue.isEmpty()) {
                    reply.chunk("event: overflow\ndata: {\"error\":\"this client fell more than " + Events.QUEUE
                            + " events behind; reconnect and read GET /v1/services\"}\n\n");
                    reply.end();
                    return;
                }
                Events.Change c = sub.queue.poll(keepalive.toNanos(), TimeUnit.NANOSECONDS);
                if (c == null) {
                    reply.chunk(": keepalive\n\n");
                    continue;
                }
                switch (c) {
                    case Events.State s -> {
                        var o = Json.status(s.now(), logs, Instant.now());
                        o.addProperty("previous", s.before().state().wire());
                        reply.chunk("event: state\ndata: " + o + "\n\n");
                    }
                    case Events.Root r -> {
                        var o = Json.root(r.now());
                        o.addProperty("previous", r.before().state().wire());
                        reply.chunk("event: root\ndata: " + o + "\n\n");
                    }
                }
            }
        } catch (Exception e) {
            reply.abort(e);
        }
    }
}

package banyan.control;

import banyan.logs.Ring;
import banyan.logs.Stamp;

import java.util.concurrent.TimeUnit;

/** GET /v1/services/{name}/logs: the last n lines as "TIME STREAM TEXT", then, with follow, new ones as they come. */
final class LogStream {
    private LogStream() {}

    static void serve(Ring ring, int n, boolean follow, Reply reply) {
        Stamp stamp = new Stamp();
        reply.begin("text/plain; charset=utf-8");
        try {
            Ring.Batch b = ring.last(n);
            reply.chunk(render(b, stamp));
            if (!follow) {
                reply.end();
                return;
            }
            long next = b.next();
            while (true) {
                b = ring.from(next, 15, TimeUnit.SECONDS);
                if (!b.lines().isEmpty() || b.skipped() > 0) reply.chunk(render(b, stamp));
                next = b.next();
            }
        } catch (Exception e) {
            reply.abort(e);
        }
    }

    private static String render(Ring.Batch b, Stamp stamp) {
        StringBuilder s = new StringBuilder();
        if (b.skipped() > 0)
            s.append(stamp.format(java.time.Instant.now())).append(" banyan ").append(b.skipped())
                    .append(" line(s) skipped: this reader fell behind the in-memory ring (the log file has them)\n");
        for (Ring.Line l : b.lines())
            s.append(stamp.format(l.at())).append(' ').append(l.stream()).append(l.split() ? "+ " : " ").append(l.text()).append('\n');
        return s.toString();
    }
}

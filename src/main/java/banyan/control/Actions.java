package banyan.control;

import banyan.logs.Logs;
import banyan.manage.Stack;
import banyan.supervise.ServiceState;
import banyan.supervise.ServiceStatus;
import banyan.supervise.Supervisor;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * start, stop and restart, of one service (POST /v1/services/NAME/ACTION) or of several
 * (POST /v1/ACTION with {"services": [...]}). Every name is checked before any service is acted on.
 */
final class Actions {
    private final Stack stack;
    private final Logs logs;

    Actions(Stack stack, Logs logs) {
        this.stack = stack;
        this.logs = logs;
    }

    /** An action sent: when it counts as settled and as what was wanted; already settled when nothing needed doing. */
    private record Sent(Supervisor s, ServiceStatus before, Predicate<ServiceStatus> settled, Predicate<ServiceStatus> wanted, boolean nothingToDo) {}

    /** The supervisors named in body {"services": [NAME...]}, all of them known, or a refusal naming every problem. */
    List<Supervisor> named(JsonObject body) throws Api.Refusal {
        JsonElement v = body.get("services");
        if (!(v instanceof JsonArray a) || a.isEmpty())
            throw new Api.Refusal(400, "the body must be {\"services\": [NAME, ...]} with at least one name");
        Set<String> names = new LinkedHashSet<>();
        for (JsonElement e : a) {
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString())
                throw new Api.Refusal(400, "\"services\" must hold names (strings) only");
            if (!names.add(e.getAsString())) throw new Api.Refusal(400, "'" + Api.quote(e.getAsString()) + "' is named twice");
        }
        List<Supervisor> found = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String n : names) stack.get(n).ifPresentOrElse(found::add, () -> unknown.add("'" + Api.quote(n) + "'"));
        if (!unknown.isEmpty())
            throw new Api.Refusal(404, "no service named " + String.join(", ", unknown) + "; nothing was done (GET /v1/services lists them)");
        return found;
    }

    /** One service: 202 without wait; else 200 when it took effect, 409 when it settled otherwise, 504 when the wait ran out. */
    void one(Supervisor s, String action, Duration wait, Reply reply) throws InterruptedException {
        Sent sent = send(s, action);
        if (wait.isZero()) {
            reply.json(202, Json.status(s.status(), logs, Instant.now()));
            return;
        }
        boolean reached = sent.nothingToDo() || s.await(sent.settled(), min(wait, Api.MAX_WAIT));
        ServiceStatus now = sent.nothingToDo() ? sent.before() : s.status();
        reply.json(!reached ? 504 : sent.wanted().test(now) ? 200 : 409, Json.status(now, logs, Instant.now()));
    }

    /**
     * Several services, acted on in the order given, then (with wait) awaited within one deadline.
     * {"services": [Status + "outcome"]}: requested (no wait), done, elsewhere (settled otherwise) or
     * pending (ask /wait); the status is the worst of them: 202, 504, 409 or 200.
     */
    void many(List<Supervisor> all, String action, Duration wait, Reply reply) throws InterruptedException {
        List<Sent> sent = new ArrayList<>();
        for (Supervisor s : all) sent.add(send(s, action));
        long end = System.nanoTime() + min(wait, Api.MAX_WAIT).toNanos();
        JsonArray out = new JsonArray();
        int code = wait.isZero() ? 202 : 200;
        for (Sent x : sent) {
            String outcome = "requested";
            ServiceStatus now = x.s().status();
            if (!wait.isZero()) {
                boolean reached = x.nothingToDo() || x.s().await(x.settled(), Duration.ofNanos(Math.max(0, end - System.nanoTime())));
                now = x.nothingToDo() ? x.before() : x.s().status();
                outcome = !reached ? "pending" : x.wanted().test(now) ? "done" : "elsewhere";
                if (!reached) code = 504;
                else if (outcome.equals("elsewhere") && code != 504) code = 409;
            }
            JsonObject o = Json.status(now, logs, Instant.now());
            o.addProperty("outcome", outcome);
            out.add(o);
        }
        JsonObject o = new JsonObject();
        o.add("services", out);
        reply.json(code, o);
    }

    private Sent send(Supervisor s, String action) {
        ServiceStatus before = s.status();
        boolean wasDown = Api.isDown(before) || before.state() == ServiceState.BACKOFF;
        return switch (action) {
            case "stop" -> {
                stack.stop(s.name()); // through the stack: what requires it stops first
                yield new Sent(s, before, Api::isDown, Api::isDown, false);
            }
            case "start" -> {
                if (before.state() == ServiceState.UP) yield new Sent(s, before, st -> true, st -> true, true);
                start(s, before);
                yield new Sent(s, before, st -> st != before && settledAfterStart(st), st -> st.state() == ServiceState.UP, false);
            }
            default -> {
                if (wasDown) start(s, before); else s.restart(); // not running: simply started; what requires it follows a restart
                yield new Sent(s, before, st -> st.restarts() > before.restarts() || wasDown && st != before ? settledAfterStart(st) : false,
                        st -> st.state() == ServiceState.UP, false);
            }
        };
    }

    /** Through the stack, so that its requirements start first; a service waiting out its backoff starts now. */
    private void start(Supervisor s, ServiceStatus before) {
        if (before.state() == ServiceState.BACKOFF) s.startNow();
        else stack.start(s.name());
    }

    private static boolean settledAfterStart(ServiceStatus st) {
        return st.state().isSettled() || st.state() == ServiceState.BACKOFF;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }
}

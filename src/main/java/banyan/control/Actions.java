package banyan.control;

import banyan.logs.Logs;
import banyan.manage.Stack;
import banyan.supervise.ServiceState;
import banyan.supervise.ServiceStatus;
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
    private record Sent(String name, ServiceStatus before, Predicate<ServiceStatus> settled, Predicate<ServiceStatus> wanted, boolean nothingToDo) {}

    /** The services named in body {"services": [NAME...]}, all of them known, or a refusal naming every problem. */
    List<String> named(JsonObject body) throws Api.Refusal {
        JsonElement v = body.get("services");
        if (!(v instanceof JsonArray a) || a.isEmpty())
            throw new Api.Refusal(400, "the body must be {\"services\": [NAME, ...]} with at least one name");
        Set<String> names = new LinkedHashSet<>();
        for (JsonElement e : a) {
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString())
                throw new Api.Refusal(400, "\"services\" must hold names (strings) only");
            if (!names.add(e.getAsString())) throw new Api.Refusal(400, "'" + Api.quote(e.getAsString()) + "' is named twice");
        }
        List<String> found = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String n : names) {
            if (stack.status(n).isPresent()) found.add(n);
            else unknown.add("'" + Api.quote(n) + "'");
        }
        if (!unknown.isEmpty())
            throw new Api.Refusal(404, "no service named " + String.join(", ", unknown) + "; nothing was done (GET /v1/services lists them)");
        return found;
    }

    /** One service: 202 without wait; else 200 when it took effect, 409 when it settled otherwise, 504 when the wait ran out. */
    void one(String name, String action, Duration wait, Reply reply) throws InterruptedException {
        Sent sent = send(name, action);
        if (wait.isZero()) {
            reply.json(202, Json.status(now(sent), logs, Instant.now()));
            return;
        }
        boolean reached = sent.nothingToDo() || stack.await(name, sent.settled(), min(wait, Api.MAX_WAIT));
        ServiceStatus now = sent.nothingToDo() ? sent.before() : now(sent);
        reply.json(!reached ? 504 : sent.wanted().test(now) ? 200 : 409, Json.status(now, logs, Instant.now()));
    }

    /**
     * Several services, acted on in the order given, then (with wait) awaited within one deadline.
     * {"services": [Status + "outcome"]}: requested (no wait), done, elsewhere (settled otherwise) or
     * pending (ask /wait); the status is the worst of them: 202, 504, 409 or 200.
     */
    void many(List<String> all, String action, Duration wait, Reply reply) throws InterruptedException {
        List<Sent> sent = new ArrayList<>();
        for (String s : all) sent.add(send(s, action));
        long end = System.nanoTime() + min(wait, Api.MAX_WAIT).toNanos();
        JsonArray out = new JsonArray();
        int code = wait.isZero() ? 202 : 200;
        for (Sent x : sent) {
            String outcome = "requested";
            ServiceStatus now = now(x);
            if (!wait.isZero()) {
                boolean reached = x.nothingToDo() || stack.await(x.name(), x.settled(), Duration.ofNanos(Math.max(0, end - System.nanoTime())));
                now = x.nothingToDo() ? x.before() : now(x);
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

    /** Asks the stack, which keeps backoff, failed and what requires the service in order; this only waits for the outcome. */
    private Sent send(String name, String action) {
        ServiceStatus before = stack.status(name).orElseThrow();
        boolean wasDown = Api.isDown(before) || before.state() == ServiceState.BACKOFF;
        return switch (action) {
            case "stop" -> {
                stack.stop(name);
                yield new Sent(name, before, Api::isDown, Api::isDown, false);
            }
            case "start" -> {
                if (before.state() == ServiceState.UP || before.state() == ServiceState.DONE) // a finished oneshot: restart runs it again
                    yield new Sent(name, before, st -> true, st -> true, true);
                stack.start(name);
                yield new Sent(name, before, st -> st != before && settledAfterStart(st), Actions::isUp, false);
            }
            default -> {
                stack.restart(name);
                yield new Sent(name, before, st -> st.restarts() > before.restarts() || wasDown && st != before ? settledAfterStart(st) : false,
                        Actions::isUp, false);
            }
        };
    }

    /** Its status now; the last one seen if a reload removed it meanwhile. */
    private ServiceStatus now(Sent x) {
        return stack.status(x.name()).orElse(x.before());
    }

    /** What a start asks for: up, or for a oneshot, finished. */
    private static boolean isUp(ServiceStatus st) {
        return st.state() == ServiceState.UP || st.state() == ServiceState.DONE;
    }

    private static boolean settledAfterStart(ServiceStatus st) {
        return st.state().isSettled() || st.state() == ServiceState.BACKOFF;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }
}

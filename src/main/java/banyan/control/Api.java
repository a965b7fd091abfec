package banyan.control;

import banyan.config.Durations;
import banyan.logs.Logs;
import banyan.manage.Stack;
import banyan.os.Reaper;
import banyan.os.Signals;
import banyan.supervise.ServiceState;
import banyan.supervise.ServiceStatus;
import banyan.supervise.Supervisor;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Predicate;

/** The routes of the control API (docs/api.yaml). Runs each request on its own virtual thread. */
final class Api extends Handler.Abstract {
    static final int MAX_BODY = 64 * 1024;
    /** Server-side waits are sliced so that no request outlives the connection's idle timeout; clients repeat. */
    static final Duration MAX_WAIT = Duration.ofSeconds(20);

    private final Stack stack;
    private final Logs logs;
    private final Events events;
    private final ControlServer.Hooks hooks;
    private final Duration writeTimeout;
    private final Instant started = Instant.now();

    Api(Stack stack, Logs logs, Events events, ControlServer.Hooks hooks, Duration writeTimeout) {
        this.stack = stack;
        this.logs = logs;
        this.events = events;
        this.hooks = hooks;
        this.writeTimeout = writeTimeout;
    }

    /** An answer that ends a request early: an HTTP status and a message for the JSON error body. */
    static final class Refusal extends Exception {
        final int status;

        Refusal(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    @Override
    public boolean handle(Request req, Response resp, Callback cb) throws Exception {
        String[] p = Request.getPathInContext(req).split("/", -1);
        String method = req.getMethod();
        Reply reply = new Reply(req, resp, cb, writeTimeout);
        try {
            route(req, method, p, reply);
        } catch (Refusal r) {
            reply.json(r.status, Json.error(r.getMessage()));
        }
        return true;
    }

    private void route(Request req, String method, String[] p, Reply reply) throws Exception {
        // p[0] is "" (the path starts with '/')
        if (p.length == 2 && p[1].equals("metrics")) {
            allow(method, "GET");
            reply.text(200, "text/plain; version=0.0.4; charset=utf-8",
                    Metrics.render(stack.statuses(), logs, Reaper.get().orphansReaped(), started, Instant.now()));
            return;
        }
        if (p.length < 3 || !p[1].equals("v1")) throw new Refusal(404, "no such resource; the API lives under /v1 (see docs/api.yaml)");
        switch (p[2]) {
            case "services" -> services(req, method, p, reply);
            case "events" -> {
                if (p.length != 3) throw notFound();
                allow(method, "GET");
                EventStream.serve(events, logs, reply);
            }
            case "reload" -> {
                if (p.length != 3) throw notFound();
                allow(method, "POST");
                if (hooks.reload().isEmpty()) throw new Refusal(501, "reload is not implemented yet");
                String summary;
                try {
                    summary = hooks.reload().get().call();
                } catch (Exception e) {
                    throw new Refusal(422, "reload failed: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
                }
                JsonObject o = new JsonObject();
                o.addProperty("reloaded", true);
                o.addProperty("summary", summary);
                reply.json(200, o);
            }
            case "shutdown" -> {
                if (p.length != 3) throw notFound();
                allow(method, "POST");
                Optional<String> action = actionOf(body(req));
                JsonObject o = new JsonObject();
                o.addProperty("shutting_down", true);
                action.ifPresent(a -> o.addProperty("action", a));
                reply.json(202, o);
                hooks.shutdown().accept(action);
            }
            default -> throw notFound();
        }
    }

    private void services(Request req, String method, String[] p, Reply reply) throws Exception {
        if (p.length == 3 || (p.length == 4 && p[3].isEmpty())) {
            allow(method, "GET");
            reply.json(200, Json.services(stack.statuses(), logs, Instant.now()));
            return;
        }
        Supervisor s = stack.get(p[3]).orElseThrow(() -> new Refusal(404, "no service named '" + p[3] + "'; GET /v1/services lists them"));
        if (p.length == 4) {
            allow(method, "GET");
            reply.json(200, Json.status(s.status(), logs, Instant.now()));
            return;
        }
        if (p.length != 5) throw notFound();
        Fields q = Request.extractQueryParameters(req);
        switch (p[4]) {
            case "start", "stop", "restart" -> {
                allow(method, "POST");
                action(s, p[4], duration(q, "wait", Duration.ZERO), reply);
            }
            case "signal" -> {
                allow(method, "POST");
                int signal = signalOf(body(req));
                int pid = s.status().pid();
                if (pid <= 0) throw new Refusal(409, s.name() + " has no running process (state " + s.status().state() + ")");
                s.signal(signal);
                JsonObject o = Json.status(s.status(), logs, Instant.now());
                o.addProperty("signal", Signals.name(signal));
                reply.json(202, o);
            }
            case "wait" -> {
                allow(method, "GET");
                String until = Optional.ofNullable(q.getValue("until")).orElse("ready");
                Predicate<ServiceStatus> done = switch (until) {
                    case "ready" -> st -> st.ready() || st.state() == ServiceState.FAILED;
                    case "down" -> Api::isDown;
                    default -> throw new Refusal(400, "until='" + until + "' is not allowed; use ready or down");
                };
                Duration limit = duration(q, "timeout", MAX_WAIT);
                boolean reached = s.await(done, min(limit, MAX_WAIT));
                ServiceStatus now = s.status();
                int code = !reached ? 504 : until.equals("ready") && !now.ready() ? 409 : 200;
                reply.json(code, Json.status(now, logs, Instant.now()));
            }
            case "logs" -> {
                allow(method, "GET");
                int n = integer(q, "n", 100);
                boolean follow = Boolean.parseBoolean(q.getValue("follow"));
                if (s.config().logger().isPresent())
                    throw new Refusal(409, s.name() + "'s output goes to its logger (" + String.join(" ", s.config().logger().get())
                            + "), not to banyan: read what the logger writes");
                LogStream.serve(logs.ring(s.name()), n, follow, reply);
            }
            default -> throw notFound();
        }
    }

    /** Through the stack, so that its requirements start first; a service waiting out its backoff starts now. */
    private void start(Supervisor s, ServiceStatus before) {
        if (before.state() == ServiceState.BACKOFF) s.start();
        else stack.start(s.name());
    }

    /** Sends the request; with wait > 0, answers once it took effect (200), went otherwise (409) or the wait ran out (504). */
    private void action(Supervisor s, String action, Duration wait, Reply reply) throws Exception {
        ServiceStatus before = s.status();
        boolean wasDown = isDown(before) || before.state() == ServiceState.BACKOFF;
        Predicate<ServiceStatus> settled;
        Predicate<ServiceStatus> wanted;
        switch (action) {
            case "stop" -> {
                stack.stop(s.name()); // through the stack: what requires it stops first
                settled = Api::isDown;
                wanted = settled;
            }
            case "start" -> {
                if (before.state() == ServiceState.UP) {
                    reply.json(200, Json.status(before, logs, Instant.now()));
                    return;
                }
                start(s, before);
                settled = st -> st != before && settledAfterStart(st);
                wanted = st -> st.state() == ServiceState.UP;
            }
            default -> {
                if (wasDown) start(s, before); else s.restart(); // not running: simply started; what requires it follows a restart
                settled = st -> st.restarts() > before.restarts() || wasDown && st != before ? settledAfterStart(st) : false;
                wanted = st -> st.state() == ServiceState.UP;
            }
        }
        if (wait.isZero()) {
            reply.json(202, Json.status(s.status(), logs, Instant.now()));
            return;
        }
        boolean reached = s.await(settled, min(wait, MAX_WAIT));
        ServiceStatus now = s.status();
        reply.json(!reached ? 504 : wanted.test(now) ? 200 : 409, Json.status(now, logs, Instant.now()));
    }

    /** The start has an outcome: it came up, finished, failed, or died and waits in backoff to try again. */
    private static boolean settledAfterStart(ServiceStatus st) {
        return st.state().isSettled() || st.state() == ServiceState.BACKOFF;
    }

    /** At rest with no process: down, failed, or a oneshot that finished. */
    static boolean isDown(ServiceStatus s) {
        return s.state().isSettled() && !s.state().isRunning();
    }

    private static Optional<String> actionOf(JsonObject body) throws Refusal {
        JsonElement v = body.get("action");
        if (v == null) return Optional.empty();
        if (v instanceof JsonPrimitive prim && prim.isString() && java.util.Set.of("reboot", "poweroff", "halt").contains(prim.getAsString()))
            return Optional.of(prim.getAsString());
        throw new Refusal(400, "action must be \"reboot\", \"poweroff\" or \"halt\" (or left out)");
    }

    private static int signalOf(JsonObject body) throws Refusal {
        JsonElement v = body.get("signal");
        OptionalInt n = OptionalInt.empty();
        if (v instanceof JsonPrimitive prim && prim.isString()) n = Signals.number(prim.getAsString());
        else if (v instanceof JsonPrimitive prim && prim.isNumber()) n = Signals.number(prim.getAsString());
        if (n.isEmpty())
            throw new Refusal(400, "body must be {\"signal\": NAME} with a signal such as \"HUP\", \"USR1\" or 10");
        return n.getAsInt();
    }

    private static JsonObject body(Request req) throws Exception {
        long declared = req.getLength();
        if (declared > MAX_BODY) throw new Refusal(413, "body of " + declared + " bytes is over the limit of " + MAX_BODY);
        byte[] bytes;
        try (InputStream in = org.eclipse.jetty.io.Content.Source.asInputStream(req)) {
            bytes = in.readNBytes(MAX_BODY + 1);
        }
        if (bytes.length > MAX_BODY) throw new Refusal(413, "body is over the limit of " + MAX_BODY + " bytes");
        if (bytes.length == 0) return new JsonObject(); // no body: every field left out
        try {
            JsonElement e = JsonParser.parseString(new String(bytes, StandardCharsets.UTF_8));
            if (e instanceof JsonObject o) return o;
            throw new Refusal(400, "body must be a JSON object");
        } catch (JsonParseException | IllegalStateException e) {
            throw new Refusal(400, "body is not valid JSON: " + e.getMessage());
        }
    }

    private static Duration duration(Fields q, String key, Duration orElse) throws Refusal {
        String v = q.getValue(key);
        if (v == null || v.isEmpty()) return orElse;
        return Durations.parse(v).orElseThrow(() -> new Refusal(400, key + "='" + v + "' is not a duration; write it like 500ms, 10s or 1m"));
    }

    private static int integer(Fields q, String key, int orElse) throws Refusal {
        String v = q.getValue(key);
        if (v == null || v.isEmpty()) return orElse;
        try {
            int n = Integer.parseInt(v);
            if (n >= 0) return n;
        } catch (NumberFormatException ignored) {
            // refused below
        }
        throw new Refusal(400, key + "='" + v + "' must be a whole number, 0 or more");
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }

    private static void allow(String method, String allowed) throws Refusal {
        if (!allowed.equals(method)) throw new Refusal(405, method + " is not allowed here; use " + allowed);
    }

    private static Refusal notFound() {
        return new Refusal(404, "no such resource (see docs/api.yaml)");
    }
}

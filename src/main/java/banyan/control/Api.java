package banyan.control;

import banyan.logs.Logs;
import banyan.manage.Stack;
import banyan.os.Reaper;
import banyan.os.Signals;
import banyan.supervise.ServiceState;
import banyan.supervise.ServiceStatus;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Predicate;

/** The routes of the control API (docs/api.yaml). Runs each request on its own virtual thread. */
final class Api extends Handler.Abstract {
    static final int MAX_BODY = 64 * 1024;
    /** Server-side waits are sliced so that no request outlives the connection's idle timeout; clients repeat. */
    static final Duration MAX_WAIT = Inputs.MAX_WAIT;
    private static final Set<String> NONE = Set.of();

    private final Stack stack;
    private final Logs logs;
    private final Events events;
    private final ControlServer.Hooks hooks;
    private final Duration writeTimeout;
    private final List<Connections> listeners;
    private final Actions actions;
    private final Instant started = Instant.now();
    private final ShellApi shells;

    Api(Stack stack, Logs logs, Events events, ControlServer.Hooks hooks, Duration writeTimeout, List<Connections> listeners,
        banyan.shell.Sessions sessions) {
        this.shells = new ShellApi(sessions, writeTimeout, stack);
        this.stack = stack;
        this.logs = logs;
        this.events = events;
        this.hooks = hooks;
        this.writeTimeout = writeTimeout;
        this.listeners = listeners;
        this.actions = new Actions(stack, logs);
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
            // Jetty resolves "." and ".." in a path before it is seen here: /v1/services/s/../x would reach x
            for (String segment : req.getHttpURI().getPath().split("/", -1))
                if (segment.equals(".") || segment.equals(".."))
                    throw new Refusal(400, "the path holds a '" + segment + "' segment; name the resource itself (see docs/api.yaml)");
            if (p.length >= 3 && p[1].equals("v1") && p[2].equals("sessions")) shells.route(req, resp, cb, reply, method, p);
            else route(req, method, p, reply);
        } catch (Refusal r) {
            reply.json(r.status, Json.error(r.getMessage()));
        }
        return true;
    }

    private void route(Request req, String method, String[] p, Reply reply) throws Exception {
        // p[0] is "" (the path starts with '/')
        if (p.length == 2 && p[1].equals("metrics")) {
            allow(method, "GET");
            Inputs.query(req, NONE);
            reply.text(200, "text/plain; version=0.0.4; charset=utf-8",
                    Metrics.render(stack.statuses(), logs, Reaper.get().orphansReaped(), started, Instant.now(), listeners)
                            + Metrics.roots(stack.roots(), stack::acquireSeconds));
            return;
        }
        if (p.length < 3 || !p[1].equals("v1")) throw new Refusal(404, "no such resource; the API lives under /v1 (see docs/api.yaml)");
        switch (p[2]) {
            case "services" -> services(req, method, p, reply);
            case "roots" -> roots(req, method, p, reply);
            case "peers" -> {
                if (p.length != 3) throw notFound();
                allow(method, "GET");
                Inputs.query(req, NONE);
                reply.json(200, Json.peers(stack.peers()));
            }
            case "start", "stop", "restart" -> {
                if (p.length != 3) throw notFound();
                allow(method, "POST");
                Duration wait = Inputs.duration(Inputs.query(req, Set.of("wait")), "wait", Duration.ZERO);
                actions.many(actions.named(Inputs.body(req, Set.of("services"))), p[2], wait, reply);
            }
            case "vars" -> {
                if (p.length != 3) throw notFound();
                allow(method, "GET");
                Inputs.query(req, NONE);
                reply.json(200, Json.vars(stack.config().vars()));
            }
            case "boot" -> {
                if (p.length != 4 || !p[3].equals("continue")) throw notFound();
                allow(method, "POST");
                Inputs.query(req, NONE);
                Inputs.body(req, NONE);
                Optional<String> step = hooks.proceed().get();
                if (step.isEmpty()) throw new Refusal(409, "no step of the bring-up waits for an answer");
                JsonObject o = new JsonObject();
                o.addProperty("continued", step.get());
                reply.json(200, o);
            }
            case "events" -> {
                if (p.length != 3) throw notFound();
                allow(method, "GET");
                Duration keepalive = Inputs.duration(Inputs.query(req, Set.of("keepalive")), "keepalive", EventStream.KEEPALIVE);
                if (keepalive.compareTo(EventStream.MIN_KEEPALIVE) < 0 || keepalive.compareTo(EventStream.KEEPALIVE) > 0)
                    throw new Refusal(400, "keepalive must be from 100ms to 15s (a peer asks for a third of its peer_timeout)");
                EventStream.serve(events, logs, reply, keepalive);
            }
            case "reload" -> {
                if (p.length != 3) throw notFound();
                allow(method, "POST");
                Inputs.query(req, NONE);
                Inputs.body(req, NONE);
                if (hooks.reload().isEmpty()) throw new Refusal(501, "reload is not implemented yet");
                String summary;
                try {
                    summary = hooks.reload().get().call();
                } catch (Exception e) {
                    throw new Refusal(422, "reload failed: " + (e.getMessage() == null ? "no reason given" : e.getMessage()));
                }
                JsonObject o = new JsonObject();
                o.addProperty("reloaded", true);
                o.addProperty("summary", summary);
                reply.json(200, o);
            }
            case "shutdown" -> {
                if (p.length != 3) throw notFound();
                allow(method, "POST");
                Inputs.query(req, NONE);
                Optional<String> action = actionOf(Inputs.body(req, Set.of("action")));
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
            Inputs.query(req, NONE);
            reply.json(200, Json.services(stack.statuses(), logs, Instant.now()));
            return;
        }
        String name = p[3];
        ServiceStatus found = stack.status(name).orElseThrow(() -> new Refusal(404, "no service named '" + quote(name) + "'; GET /v1/services lists them"));
        if (p.length == 4) {
            allow(method, "GET");
            Inputs.query(req, NONE);
            reply.json(200, Json.status(found, logs, Instant.now()));
            return;
        }
        if (p.length != 5) throw notFound();
        switch (p[4]) {
            case "start", "stop", "restart" -> {
                allow(method, "POST");
                Duration wait = Inputs.duration(Inputs.query(req, Set.of("wait")), "wait", Duration.ZERO);
                Inputs.body(req, NONE);
                actions.one(name, p[4], wait, reply);
            }
            case "signal" -> {
                allow(method, "POST");
                Inputs.query(req, NONE);
                int signal = signalOf(Inputs.body(req, Set.of("signal")));
                if (found.pid() <= 0) throw new Refusal(409, name + " has no running process (state " + found.state() + ")");
                stack.signal(name, signal);
                JsonObject o = Json.status(found, logs, Instant.now());
                o.addProperty("signal", Signals.name(signal));
                reply.json(202, o);
            }
            case "wait" -> {
                allow(method, "GET");
                Fields q = Inputs.query(req, Set.of("until", "timeout"));
                String until = Optional.ofNullable(q.getValue("until")).orElse("ready");
                Predicate<ServiceStatus> done = switch (until) {
                    case "ready" -> st -> st.ready() || st.state() == ServiceState.FAILED;
                    case "down" -> Api::isDown;
                    default -> throw new Refusal(400, "until='" + quote(until) + "' is not allowed; use ready or down");
                };
                Duration limit = Inputs.duration(q, "timeout", MAX_WAIT);
                boolean reached = stack.await(name, done, limit.compareTo(MAX_WAIT) < 0 ? limit : MAX_WAIT);
                ServiceStatus now = stack.status(name).orElse(found);
                int code = !reached ? 504 : until.equals("ready") && !now.ready() ? 409 : 200;
                reply.json(code, Json.status(now, logs, Instant.now()));
            }
            case "logs" -> {
                allow(method, "GET");
                Fields q = Inputs.query(req, Set.of("n", "follow"));
                int n = Inputs.whole(q, "n", 100);
                boolean follow = Inputs.bool(q, "follow");
                var logger = stack.config(name).flatMap(c -> c.logger());
                if (logger.isPresent())
                    throw new Refusal(409, name + "'s output goes to its logger (" + String.join(" ", logger.get())
                            + "), not to banyan: read what the logger writes");
                LogStream.serve(logs.ring(name), n, follow, reply);
            }
            default -> throw notFound();
        }
    }

    /** GET /v1/roots, GET /v1/roots/NAME, POST /v1/roots/NAME/reroot {"source": NAME} (the source optional). */
    private void roots(Request req, String method, String[] p, Reply reply) throws Exception {
        if (p.length == 3 || (p.length == 4 && p[3].isEmpty())) {
            allow(method, "GET");
            Inputs.query(req, NONE);
            reply.json(200, Json.roots(stack.roots()));
            return;
        }
        String name = p[3];
        var found = stack.roots().stream().filter(r -> r.name().equals(name)).findFirst()
                .orElseThrow(() -> new Refusal(404, "no root named '" + quote(name) + "'; GET /v1/roots lists them"));
        if (p.length == 4) {
            allow(method, "GET");
            Inputs.query(req, NONE);
            reply.json(200, Json.root(found));
            return;
        }
        if (p.length != 5 || !p[4].equals("reroot")) throw notFound();
        allow(method, "POST");
        Inputs.query(req, NONE);
        JsonElement src = Inputs.body(req, Set.of("source")).get("source");
        if (src != null && !(src instanceof JsonPrimitive prim && prim.isString()))
            throw new Refusal(400, "source must be the name of one of the root's sources (a string), or left out for the first");
        try {
            stack.reroot(name, Optional.ofNullable(src).map(JsonElement::getAsString));
        } catch (IllegalArgumentException e) {
            throw new Refusal(400, e.getMessage());
        }
        JsonObject o = Json.root(found);
        o.addProperty("rerooting", true);
        reply.json(202, o);
    }

    static boolean isDown(ServiceStatus s) {
        return s.state().isSettled() && !s.state().isRunning();
    }

    /** Text from a request, shortened for an error message: a 7000-byte name is not echoed whole. */
    static String quote(String s) {
        return s.length() <= 80 ? s : s.substring(0, 60) + "... (" + s.length() + " characters)";
    }

    private static Optional<String> actionOf(JsonObject body) throws Refusal {
        JsonElement v = body.get("action");
        if (v == null) return Optional.empty();
        if (v instanceof JsonPrimitive prim && prim.isString() && Set.of("reboot", "poweroff", "halt").contains(prim.getAsString()))
            return Optional.of(prim.getAsString());
        throw new Refusal(400, "action must be \"reboot\", \"poweroff\" or \"halt\" (or left out)");
    }

    /** A name ("HUP", "SIGUSR1") or a number (10, "10"), exactly: "  9" or 9.0 is refused, not trimmed. */
    private static int signalOf(JsonObject body) throws Refusal {
        JsonElement v = body.get("signal");
        OptionalInt n = OptionalInt.empty();
        if (v instanceof JsonPrimitive prim && (prim.isString() || prim.isNumber())) n = Inputs.signal(prim.getAsString());
        if (n.isEmpty())
            throw new Refusal(400, "the body must be {\"signal\": SIG} with a signal such as \"HUP\", \"USR1\" or 10, without spaces");
        return n.getAsInt();
    }

    private static void allow(String method, String allowed) throws Refusal {
        if (!allowed.equals(method)) throw new Refusal(405, quote(method) + " is not allowed here; use " + allowed);
    }

    private static Refusal notFound() {
        return new Refusal(404, "no such resource (see docs/api.yaml)");
    }
}

package banyan.control;

import banyan.logs.Logs;
import banyan.os.Signals;
import banyan.supervise.ServiceState;
import banyan.supervise.ServiceStatus;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** The API's JSON shapes (docs/api.yaml): a service's status, a list of them, an error. */
final class Json {
    private Json() {}

    static JsonObject status(ServiceStatus s, Logs logs, Instant now) {
        JsonObject o = new JsonObject();
        o.addProperty("name", s.name());
        o.addProperty("state", s.state().wire());
        o.addProperty("ready", s.ready());
        o.addProperty("pid", s.pid());
        o.addProperty("restarts", s.restarts());
        o.addProperty("since", s.since().toString());
        o.addProperty("uptime_seconds", s.state() == ServiceState.UP ? Duration.between(s.since(), now).toMillis() / 1000.0 : 0);
        o.add("exit", s.lastExit().<JsonElement>map(x -> {
            JsonObject e = new JsonObject();
            e.addProperty("pid", x.pid());
            e.addProperty("code", x.shellCode());
            if (x.signal() == 0) e.add("signal", JsonNull.INSTANCE);
            else e.addProperty("signal", Signals.name(x.signal()));
            e.addProperty("description", x.describe());
            return e;
        }).orElse(JsonNull.INSTANCE));
        o.addProperty("reason", s.reason());
        o.addProperty("status_text", s.statusText());
        o.addProperty("log_lines_lost", logs.lost(s.name()));
        return o;
    }

    static JsonObject services(List<ServiceStatus> all, Logs logs, Instant now) {
        JsonArray a = new JsonArray();
        for (ServiceStatus s : all) a.add(status(s, logs, now));
        JsonObject o = new JsonObject();
        o.add("services", a);
        return o;
    }

    /** {"vars":[{name, value, origin, used_by}]}, in the order [vars] defines them. */
    static JsonObject vars(banyan.config.Vars vars) {
        com.google.gson.JsonArray a = new com.google.gson.JsonArray();
        for (banyan.config.Vars.Var v : vars.all().values()) {
            JsonObject o = new JsonObject();
            o.addProperty("name", v.name());
            o.addProperty("value", v.value());
            o.addProperty("origin", v.origin());
            com.google.gson.JsonArray used = new com.google.gson.JsonArray();
            v.usedBy().forEach(used::add);
            o.add("used_by", used);
            a.add(o);
        }
        JsonObject out = new JsonObject();
        out.add("vars", a);
        return out;
    }

    static JsonObject peers(List<banyan.grid.PeerStatus> all) {
        JsonArray a = new JsonArray();
        for (banyan.grid.PeerStatus p : all) {
            JsonObject o = new JsonObject();
            o.addProperty("name", p.name());
            o.addProperty("address", p.address());
            o.addProperty("state", p.state().wire());
            o.addProperty("since", p.since().toString());
            o.addProperty("last_error", p.lastError());
            if (p.latencyMs() < 0) o.add("latency_ms", JsonNull.INSTANCE);
            else o.addProperty("latency_ms", Math.round(p.latencyMs() * 1000) / 1000.0);
            o.addProperty("services", p.services().size());
            a.add(o);
        }
        JsonObject o = new JsonObject();
        o.add("peers", a);
        return o;
    }

    static JsonObject root(banyan.roots.RootStatus r) {
        JsonObject o = new JsonObject();
        o.addProperty("name", r.name());
        o.addProperty("state", r.state().wire());
        if (r.source().isPresent()) o.addProperty("source", r.source().get());
        else o.add("source", JsonNull.INSTANCE);
        o.addProperty("since", r.since().toString());
        o.addProperty("losses", r.losses());
        o.addProperty("reason", r.reason());
        return o;
    }

    static JsonObject roots(List<banyan.roots.RootStatus> all) {
        JsonArray a = new JsonArray();
        for (var r : all) a.add(root(r));
        JsonObject o = new JsonObject();
        o.add("roots", a);
        return o;
    }

    static JsonObject error(String message) {
        JsonObject o = new JsonObject();
        o.addProperty("error", message);
        return o;
    }
}

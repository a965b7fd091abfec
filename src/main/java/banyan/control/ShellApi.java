package banyan.control;

import banyan.manage.Stack;
import banyan.roots.RootStatus;
import banyan.shell.Session;
import banyan.shell.Sessions;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * /v1/sessions (docs/api.yaml): list, open (detached, or attached through an upgrade to a
 * `banyan-shell` stream of frames, PtyConnection), attach. The same on TCP, behind the token.
 */
final class ShellApi {
    private static final Set<String> OPEN = Set.of("command", "rows", "cols", "term", "root"), ATTACH = Set.of("rows", "cols");
    private final Sessions sessions;
    private final Stack stack;
    private final Duration writeTimeout;

    ShellApi(Sessions sessions, Duration writeTimeout, Stack stack) {
        this.sessions = sessions;
        this.stack = stack;
        this.writeTimeout = writeTimeout;
    }

    /** The core root where a shell can enter it: up, and the exec step at hand; otherwise a 409 that says why. */
    private Sessions.InRoot core() throws Api.Refusal {
        RootStatus st = stack.roots().stream().filter(r -> r.name().equals("core")).findFirst().orElseThrow(() -> new Api.Refusal(409,
                "this configuration has no core root: give [core] (copy = [...]) or a service with root = \"core\", then reload"));
        if (!st.up()) throw new Api.Refusal(409, "the core root is " + st.state() + ": " + st.reason());
        Path helper = stack.host().execHelper().filter(Files::isExecutable).orElseThrow(() -> new Api.Refusal(409,
                "the exec step banyan-exec, which enters a root, is missing; rebuild banyan"));
        return new Sessions.InRoot(stack.host().roots().resolve("core"), helper);
    }

    void route(Request req, Response resp, Callback cb, Reply reply, String method, String[] p) throws Exception {
        if (p.length == 3 || (p.length == 4 && p[3].isEmpty())) {
            if (method.equals("GET")) {
                Inputs.query(req, Set.of());
                JsonArray list = new JsonArray();
                for (Session.Info i : sessions.list()) list.add(json(i));
                JsonObject o = new JsonObject();
                o.add("sessions", list);
                reply.json(200, o);
                return;
            }
            if (!method.equals("POST")) throw new Api.Refusal(405, Api.quote(method) + " is not allowed here; use GET or POST");
            Fields q = Inputs.query(req, OPEN);
            String root = q.getValue("root");
            if (root != null && !root.equals("core"))
                throw new Api.Refusal(400, "root='" + Api.quote(root) + "': shells run on the host (no root) or in the core (root=core);"
                        + " other roots are not offered yet");
            Optional<Sessions.InRoot> in = root == null ? Optional.empty() : Optional.of(core());
            List<String> command = command(q.getValue("command"));
            int rows = Inputs.whole(q, "rows", 0), cols = Inputs.whole(q, "cols", 0);
            boolean attach = upgrading(req);
            Session s;
            try {
                s = sessions.open(command, rows, cols, Optional.ofNullable(q.getValue("term")), in);
            } catch (Sessions.Refused e) {
                throw new Api.Refusal(422, e.getMessage());
            }
            if (!attach) {
                JsonObject o = json(s.info());
                reply.json(201, o);
                return;
            }
            upgrade(req, resp, cb, s, "session " + s.id() + "; Ctrl-] detaches, banyan shell --attach " + s.id() + " resumes");
            return;
        }
        Session s = sessions.get(p[3]).orElseThrow(() -> new Api.Refusal(404, "no shell session '" + Api.quote(p[3])
                + "'; banyan sessions (GET /v1/sessions) lists them"));
        if (p.length == 4) {
            if (!method.equals("GET")) throw new Api.Refusal(405, Api.quote(method) + " is not allowed here; use GET");
            Inputs.query(req, Set.of());
            reply.json(200, json(s.info()));
            return;
        }
        if (p.length == 5 && p[4].equals("attach")) {
            if (!method.equals("POST")) throw new Api.Refusal(405, Api.quote(method) + " is not allowed here; use POST");
            Fields q = Inputs.query(req, ATTACH);
            int rows = Inputs.whole(q, "rows", 0), cols = Inputs.whole(q, "cols", 0);
            if (!upgrading(req)) throw new Api.Refusal(400, "attaching needs the headers 'Connection: Upgrade' and 'Upgrade: " + PtyConnection.PROTOCOL + "'");
            if (rows > 0 && cols > 0) s.resize(rows, cols);
            upgrade(req, resp, cb, s, "attached to session " + s.id() + "; Ctrl-] detaches");
            return;
        }
        throw new Api.Refusal(404, "no such resource (see docs/api.yaml)");
    }

    private static boolean upgrading(Request req) {
        String up = req.getHeaders().get(HttpHeader.UPGRADE);
        return up != null && up.equalsIgnoreCase(PtyConnection.PROTOCOL);
    }

    /** 101 Switching Protocols; Jetty hands the connection to PtyConnection once the response is sent. */
    private void upgrade(Request req, Response resp, Callback cb, Session s, String hello) {
        var connection = req.getConnectionMetaData().getConnection();
        var conn = new PtyConnection(connection.getEndPoint(), req.getConnectionMetaData().getConnector().getExecutor(), s,
                writeTimeout.toMillis(), hello);
        resp.setStatus(101);
        resp.getHeaders().put(HttpHeader.UPGRADE, PtyConnection.PROTOCOL);
        resp.getHeaders().put(HttpHeader.CONNECTION, "Upgrade");
        req.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, conn);
        cb.succeeded();
    }

    /** command: a JSON array of strings, each non-empty (absent: the default shell). */
    private static List<String> command(String text) throws Api.Refusal {
        if (text == null) return List.of();
        String how = "command must be a JSON array of strings, such as [\"sh\",\"-c\",\"uptime\"]";
        JsonElement e;
        try {
            e = JsonParser.parseString(text);
        } catch (RuntimeException bad) {
            throw new Api.Refusal(400, how);
        }
        if (!e.isJsonArray() || e.getAsJsonArray().isEmpty()) throw new Api.Refusal(400, how);
        List<String> out = new ArrayList<>();
        for (JsonElement a : e.getAsJsonArray()) {
            if (!a.isJsonPrimitive() || !a.getAsJsonPrimitive().isString() || a.getAsString().indexOf(0) >= 0) throw new Api.Refusal(400, how);
            out.add(a.getAsString());
        }
        if (out.getFirst().isEmpty()) throw new Api.Refusal(400, "command's program (its first word) is empty");
        return out;
    }

    private static JsonObject json(Session.Info i) {
        JsonObject o = new JsonObject();
        o.addProperty("id", i.id());
        JsonArray c = new JsonArray();
        i.command().forEach(c::add);
        o.add("command", c);
        o.addProperty("pid", i.pid());
        o.addProperty("created", i.created().toString());
        o.addProperty("clients", i.clients());
        o.addProperty("rows", i.rows());
        o.addProperty("cols", i.cols());
        return o;
    }
}

package banyan.cli;

import banyan.config.Durations;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.List;

/**
 * start, stop and restart: one request naming every NAME, which banyan checks whole before it acts
 * on any (an unknown name: exit 2, nothing done); then, unless --no-wait, wait until each took
 * effect. Exit 1 when a service ended somewhere else (failed, backoff) or the wait ran out.
 */
abstract class ActionCommand extends ClientCommand {
    @Parameters(arity = "1..*", paramLabel = "NAME", description = "services, all acted on at once (every name is checked first)")
    List<String> names;

    @Option(names = "--no-wait", description = "return once banyan has the request, without waiting for the result")
    boolean noWait;

    @Option(names = "--timeout", paramLabel = "D", description = "how long to wait for the services to settle (default: ${DEFAULT-VALUE})")
    String timeout = "90s";

    abstract String action();

    @Override
    int run(ControlClient client) throws Exception {
        Duration limit = timeout(timeout);
        long end = System.nanoTime() + limit.toNanos();
        JsonObject body = new JsonObject();
        JsonArray named = new JsonArray();
        names.forEach(named::add);
        body.add("services", named);
        var r = client.request("POST", "/v1/" + action() + (noWait ? "" : "?wait=" + Durations.format(limit)), body.toString(),
                noWait ? Duration.ZERO : serverWait(limit));
        JsonArray answers = json(r, 409, 504).getAsJsonArray("services");
        // the server waits at most 20 s; keep waiting on what has not settled, without sending the action again
        String until = action().equals("stop") ? "down" : "ready";
        int worst = Main.OK;
        for (int i = 0; i < names.size(); i++) {
            JsonObject s = answers.get(i).getAsJsonObject();
            int status = switch (s.get("outcome").getAsString()) {
                case "requested" -> 202;
                case "done" -> 200;
                case "elsewhere" -> 409;
                default -> 504;
            };
            String path = "/v1/services/" + Paths.segment(names.get(i));
            while (status == 504 && System.nanoTime() < end) {
                Duration left = Duration.ofNanos(end - System.nanoTime());
                r = client.request("GET", path + "/wait?until=" + until + "&timeout=" + Math.max(1, left.toMillis()) + "ms", null,
                        serverWait(left));
                s = json(r, 409, 504);
                status = r.status();
            }
            worst = Math.max(worst, report(names.get(i), s, status));
        }
        return worst;
    }

    private int report(String name, JsonObject s, int status) {
        String state = s.get("state").getAsString();
        String reason = s.get("reason").getAsString();
        int pid = s.get("pid").getAsInt();
        if (status == 202) {
            out().println(name + ": " + action() + " requested (now " + state + ")");
            return Main.OK;
        }
        if (status == 200) {
            out().println(name + ": " + state + (pid > 0 ? " (pid " + pid + ")" : "")
                    + (reason.contains("SIGKILL") ? " (" + reason + ")" : ""));
            return Main.OK;
        }
        err().println("banyan: " + name + ": " + (status == 504 ? "still " + state + " after " + timeout : state)
                + (reason.isEmpty() ? "" : ": " + reason));
        return Main.FAILED;
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start services and wait until they are up (exit 1 if one fails or is still not up after --timeout).")
    static final class Start extends ActionCommand {
        @Override
        String action() {
            return "start";
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Stop services (stop_signal, then SIGKILL after stop_timeout) and wait until they are down.")
    static final class Stop extends ActionCommand {
        @Override
        String action() {
            return "stop";
        }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true,
            description = "Stop and start services again (a service that is not running is started) and wait until they are up.")
    static final class Restart extends ActionCommand {
        @Override
        String action() {
            return "restart";
        }
    }
}

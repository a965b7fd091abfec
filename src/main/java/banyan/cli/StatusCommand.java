package banyan.cli;

import banyan.supervise.ServiceState;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show what every service (or NAME) is doing: state, readiness, pid, uptime, restarts, and its status text",
                "or the reason for its state. Exit 0 when banyan answered, 2 for an unknown NAME, 3 when banyan is not reachable."})
final class StatusCommand extends ClientCommand {
    @Parameters(arity = "0..1", paramLabel = "NAME", description = "one service")
    String name;

    @Option(names = "--json", description = "print the API's JSON: {\"services\":[{name, state, ready, pid, restarts, since, exit, ...}]}")
    boolean json;

    @Override
    int run(ControlClient client) throws Exception {
        JsonObject answer = json(client.request("GET", name == null ? "/v1/services" : "/v1/services/" + Paths.segment(name), null));
        if (json) {
            out().println(answer);
            return Main.OK;
        }
        List<JsonObject> rows = new ArrayList<>();
        if (name != null) rows.add(answer);
        else for (JsonElement e : answer.getAsJsonArray("services")) rows.add(e.getAsJsonObject());
        out().print(table(rows));
        return Main.OK;
    }

    static String table(List<JsonObject> rows) {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[]{"NAME", "STATE", "READY", "PID", "UPTIME", "RESTARTS", "STATUS"});
        for (JsonObject s : rows) {
            String text = s.get("status_text").getAsString();
            if (text.isEmpty()) text = s.get("reason").getAsString();
            long lost = s.get("log_lines_lost").getAsLong();
            if (lost > 0) text = (text.isEmpty() ? "" : text + "; ") + lost + " log line(s) lost";
            int pid = s.get("pid").getAsInt();
            cells.add(new String[]{s.get("name").getAsString(), s.get("state").getAsString(), s.get("ready").getAsBoolean() ? "yes" : "no",
                    pid > 0 ? String.valueOf(pid) : "-", uptime(s.get("uptime_seconds").getAsDouble(), s.get("state").getAsString()),
                    String.valueOf(s.get("restarts").getAsInt()), text});
        }
        return Table.of(cells);
    }

    static String uptime(double seconds, String state) {
        if (ServiceState.parse(state).orElse(null) != ServiceState.UP) return "-";
        long s = (long) seconds;
        if (s < 60) return s + "s";
        if (s < 3600) return s / 60 + "m" + s % 60 + "s";
        if (s < 86400) return s / 3600 + "h" + s % 3600 / 60 + "m";
        return s / 86400 + "d" + s % 86400 / 3600 + "h";
    }

}

package banyan.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

@Command(name = "sessions", mixinStandardHelpOptions = true,
        description = "The shell sessions banyan holds (banyan shell --attach ID resumes one).")
final class SessionsCommand extends ClientCommand {
    @Option(names = "--json", description = "print the API's JSON: {\"sessions\":[{id, command, pid, created, clients, rows, cols}]}")
    boolean asJson;

    @Override
    int run(ControlClient client) throws Exception {
        JsonObject o = json(client.request("GET", "/v1/sessions", null));
        if (asJson) {
            out().println(o);
            return Main.OK;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "PID", "CLIENTS", "SIZE", "CREATED", "COMMAND"});
        for (JsonElement e : o.getAsJsonArray("sessions")) {
            JsonObject s = e.getAsJsonObject();
            List<String> cmd = new ArrayList<>();
            s.getAsJsonArray("command").forEach(c -> cmd.add(c.getAsString()));
            rows.add(new String[] {s.get("id").getAsString(), s.get("pid").getAsString(), s.get("clients").getAsString(),
                    s.get("cols").getAsString() + "x" + s.get("rows").getAsString(), s.get("created").getAsString(), String.join(" ", cmd)});
        }
        out().print(Table.of(rows));
        return Main.OK;
    }
}

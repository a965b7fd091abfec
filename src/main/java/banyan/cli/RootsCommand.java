package banyan.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

@Command(name = "roots", mixinStandardHelpOptions = true,
        description = {"Show every root: its state (down, acquiring, up, lost, releasing, failed), the source it is on,",
                "since when, how many times it was lost, and the reason. Exit 0 when banyan answered, 3 when it is not reachable."})
final class RootsCommand extends ClientCommand {
    @Option(names = "--json", description = "print the API's JSON: {\"roots\":[{name, state, source, since, losses, reason}]}")
    boolean json;

    @Override
    int run(ControlClient client) throws Exception {
        JsonObject answer = json(client.request("GET", "/v1/roots", null));
        if (json) {
            out().println(answer);
            return Main.OK;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"NAME", "STATE", "SOURCE", "SINCE", "LOSSES", "REASON"});
        for (JsonElement e : answer.getAsJsonArray("roots")) {
            JsonObject r = e.getAsJsonObject();
            rows.add(new String[]{r.get("name").getAsString(), r.get("state").getAsString(),
                    r.get("source").isJsonNull() ? "-" : r.get("source").getAsString(), r.get("since").getAsString(),
                    String.valueOf(r.get("losses").getAsInt()), r.get("reason").getAsString()});
        }
        out().print(Table.of(rows));
        return Main.OK;
    }
}

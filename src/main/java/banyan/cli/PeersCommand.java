package banyan.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

@Command(name = "peers", mixinStandardHelpOptions = true,
        description = {"Show every peer ([peer.NAME]): its address, state (connecting, connected, unreachable, error), since when,",
                "the latency of the last ping and the last error. Exit 0 when banyan answered, 3 when it is not reachable."})
final class PeersCommand extends ClientCommand {
    @Option(names = "--json", description = "print the API's JSON: {\"peers\":[{name, address, state, since, last_error, latency_ms, services}]}")
    boolean json;

    @Override
    int run(ControlClient client) throws Exception {
        JsonObject answer = json(client.request("GET", "/v1/peers", null));
        if (json) {
            out().println(answer);
            return Main.OK;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"NAME", "ADDRESS", "STATE", "SINCE", "LATENCY", "LAST ERROR"});
        for (JsonElement e : answer.getAsJsonArray("peers")) {
            JsonObject r = e.getAsJsonObject();
            rows.add(new String[]{r.get("name").getAsString(), r.get("address").getAsString(), r.get("state").getAsString(),
                    r.get("since").getAsString(), r.get("latency_ms").isJsonNull() ? "-" : r.get("latency_ms").getAsDouble() + "ms",
                    r.get("last_error").getAsString()});
        }
        int[] width = new int[5];
        for (String[] row : rows) for (int i = 0; i < 5; i++) width[i] = Math.max(width[i], row[i].length());
        StringBuilder b = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < 5; i++) line.append(row[i]).repeat(' ', width[i] - row[i].length() + 2);
            b.append(line.append(row[5]).toString().stripTrailing()).append('\n');
        }
        out().print(b);
        return Main.OK;
    }
}

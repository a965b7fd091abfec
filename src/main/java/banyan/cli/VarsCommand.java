package banyan.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

@Command(name = "vars", mixinStandardHelpOptions = true,
        description = {"Show every variable of the configuration in force: its value, where that value came from",
                "([vars] at file:line, a vars file, --var, the kernel command line, an answer) and what uses it."})
final class VarsCommand extends ClientCommand {
    @Option(names = "--json", description = "print the API's JSON: {\"vars\":[{name, value, origin, used_by}]}")
    boolean json;

    @Override
    int run(ControlClient client) throws Exception {
        JsonObject answer = json(client.request("GET", "/v1/vars", null));
        if (json) {
            out().println(answer);
            return Main.OK;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"NAME", "VALUE", "ORIGIN", "USED BY"});
        for (JsonElement e : answer.getAsJsonArray("vars")) {
            JsonObject v = e.getAsJsonObject();
            List<String> used = new ArrayList<>();
            v.getAsJsonArray("used_by").forEach(u -> used.add(u.getAsString()));
            rows.add(new String[]{v.get("name").getAsString(), v.get("value").getAsString(), v.get("origin").getAsString(),
                    used.isEmpty() ? "-" : String.join(", ", used)});
        }
        out().print(Table.of(rows));
        return Main.OK;
    }
}

package banyan.cli;

import com.google.gson.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "reroot", mixinStandardHelpOptions = true,
        description = {"Switch root NAME to another source, cleanly: the services on it stop in reverse order, the root is",
                "released and acquired from --source (default: its first source, then on down the list), and they start",
                "again in order. Exit 0 when asked, 2 for an unknown root or source."})
final class RerootCommand extends ClientCommand {
    @Parameters(paramLabel = "NAME", description = "the root")
    String name;

    @Option(names = "--source", paramLabel = "SOURCE", description = "the name of one of the root's sources")
    String source;

    @Override
    int run(ControlClient client) throws Exception {
        JsonObject body = new JsonObject();
        if (source != null) body.addProperty("source", source);
        json(client.request("POST", "/v1/roots/" + Paths.segment(name) + "/reroot", body.toString()), 202);
        out().println("banyan: rerooting " + name + (source == null ? " from its first source" : " to " + source)
                + "; banyan roots shows how it goes");
        return Main.OK;
    }
}

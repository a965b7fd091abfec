package banyan.cli;

import picocli.CommandLine.Command;

@Command(name = "reload", mixinStandardHelpOptions = true,
        description = "Read the configuration again and apply the difference (what did not change keeps running).")
final class ReloadCommand extends ClientCommand {
    @Override
    int run(ControlClient client) throws Exception {
        // a run reads and checks the whole file before it answers: more time than a plain request
        var o = json(client.request("POST", "/v1/reload", null, ControlClient.ANSWER_TIMEOUT.multipliedBy(2)));
        out().println("banyan: " + (o.has("summary") ? o.get("summary").getAsString() : "reloaded"));
        return Main.OK;
    }
}

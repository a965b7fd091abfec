package banyan.cli;

import picocli.CommandLine.Command;

@Command(name = "continue", mixinStandardHelpOptions = true,
        description = {"Answer \"accept\" to the step a bring-up by steps waits at (--pause-before, --interactive),",
                "from another terminal. Exit 0 when a step was released, 1 when none waited."})
final class ContinueCommand extends ClientCommand {
    @Override
    int run(ControlClient client) throws Exception {
        var o = json(client.request("POST", "/v1/boot/continue", null));
        out().println("banyan: continued at " + o.get("continued").getAsString());
        return Main.OK;
    }
}

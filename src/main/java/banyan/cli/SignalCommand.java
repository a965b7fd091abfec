package banyan.cli;

import com.google.gson.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "signal", mixinStandardHelpOptions = true,
        description = "Send a signal to a service's process group (HUP to reload its config, for example).")
final class SignalCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "the service")
    String name;

    @Parameters(index = "1", paramLabel = "SIG", description = "a signal name or number: HUP, SIGUSR1, 10")
    String signal;

    @Override
    int run(ControlClient client) throws Exception {
        if (banyan.control.Inputs.signal(signal).isEmpty())
            throw new Exit(Main.USAGE, "'" + signal + "' is not a signal; use a name such as HUP, USR1, TERM or a number, without spaces");
        JsonObject body = new JsonObject();
        body.addProperty("signal", signal);
        JsonObject s = json(client.request("POST", "/v1/services/" + Paths.segment(name) + "/signal", body.toString()));
        out().println(name + ": sent " + s.get("signal").getAsString() + " to pid " + s.get("pid").getAsInt());
        return Main.OK;
    }
}

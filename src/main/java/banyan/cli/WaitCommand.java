package banyan.cli;

import com.google.gson.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;

@Command(name = "wait", mixinStandardHelpOptions = true,
        description = {"Wait until a service is ready (--ready) or down (without it). Exit 0 when it is,",
                "1 when it failed instead or --timeout ran out."})
final class WaitCommand extends ClientCommand {
    @Parameters(paramLabel = "NAME", description = "the service")
    String name;

    @Option(names = "--ready", description = "wait until it is ready (else: until it is down, failed or done)")
    boolean ready;

    @Option(names = "--timeout", paramLabel = "D", description = "give up after this long (default: ${DEFAULT-VALUE})")
    String timeout = "60s";

    @Override
    int run(ControlClient client) throws Exception {
        Duration limit = timeout(timeout);
        long end = System.nanoTime() + limit.toNanos();
        String until = ready ? "ready" : "down";
        while (true) {
            long left = Math.max(0, (end - System.nanoTime()) / 1_000_000);
            var r = client.request("GET", "/v1/services/" + Paths.segment(name) + "/wait?until=" + until + "&timeout=" + left + "ms", null,
                    serverWait(Duration.ofMillis(left)));
            JsonObject s = json(r, 409, 504);
            String state = s.get("state").getAsString();
            if (r.status() == 200) {
                out().println(name + ": " + state);
                return Main.OK;
            }
            if (r.status() == 409) throw new Exit(Main.FAILED, name + ": " + state + ": " + s.get("reason").getAsString());
            if (System.nanoTime() >= end)
                throw new Exit(Main.FAILED, name + ": not " + until + " after " + timeout + " (state " + state + ")");
        }
    }
}

package banyan.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;

@Command(name = "shutdown", mixinStandardHelpOptions = true,
        description = {"Stop every service in reverse order and end banyan; waits until banyan is gone.",
                "Under banyan init on a machine, then reboot, power off or halt; in a container or under",
                "banyan up, the action makes no difference. Exit 1 when banyan is still there after --timeout."})
final class ShutdownCommand extends ClientCommand {
    @picocli.CommandLine.ArgGroup(exclusive = true)
    Action action;

    static final class Action {
        @Option(names = "--reboot", description = "banyan init on a machine: reboot at the end") boolean reboot;
        @Option(names = "--poweroff", description = "banyan init on a machine: power off at the end (the default)") boolean poweroff;
        @Option(names = "--halt", description = "banyan init on a machine: halt at the end") boolean halt;

        String word() {
            return reboot ? "reboot" : halt ? "halt" : "poweroff";
        }
    }

    @Option(names = "--no-wait", description = "return once banyan has the request")
    boolean noWait;

    @Option(names = "--timeout", paramLabel = "D", description = "how long to wait for banyan to end (default: ${DEFAULT-VALUE})")
    String timeout = "5m";

    @Override
    int run(ControlClient client) throws Exception {
        Duration limit = timeout(timeout);
        json(client.request("POST", "/v1/shutdown", action == null ? null : "{\"action\":\"" + action.word() + "\"}"));
        out().println("banyan: shutting down");
        if (noWait) return Main.OK;
        // polling a socket: there is nothing to block on
        boolean stopped = banyan.os.Poll.until(() -> {
            try {
                client.request("GET", "/v1/services", null).close();
                return false;
            } catch (ControlClient.Unreachable gone) {
                return true;
            } catch (java.io.IOException closing) {
                return false; // answered half-way while going down: ask again
            }
        }, limit, Duration.ofMillis(1), Duration.ofMillis(100));
        if (stopped) {
            out().println("banyan: stopped");
            return Main.OK;
        }
        throw new Exit(Main.FAILED, "banyan is still running after " + timeout);
    }
}

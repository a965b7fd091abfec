package banyan.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.InputStream;

@Command(name = "logs", mixinStandardHelpOptions = true,
        description = {"Print a service's recent output, one line each: TIME STREAM TEXT (STREAM is out or err; out+ or err+",
                "when the line was split because it was longer than 16 KiB). The full history is in the log files."})
final class LogsCommand extends ClientCommand {
    @Parameters(paramLabel = "NAME", description = "the service")
    String name;

    @Option(names = {"-n", "--lines"}, paramLabel = "N", description = "how many recent lines (default: ${DEFAULT-VALUE})")
    int lines = 100;

    @Option(names = {"-f", "--follow"}, description = "then keep printing new lines as they come, until interrupted")
    boolean follow;

    @Override
    int run(ControlClient client) throws Exception {
        if (lines < 0) throw new Exit(Main.USAGE, "-n must be 0 or more");
        var r = client.request("GET", "/v1/services/" + Paths.segment(name) + "/logs?n=" + lines + (follow ? "&follow=true" : ""), null);
        if (r.status() != 200) json(r);
        try (r) {
            InputStream in = r.body();
            byte[] buf = new byte[16 * 1024];
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                System.out.write(buf, 0, n);
                System.out.flush();
            }
        }
        return Main.OK;
    }
}

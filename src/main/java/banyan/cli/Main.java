package banyan.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `banyan` command. Exit codes (design.md section 4): 0 ok, 1 failed, 2 usage or config, 3 not reachable. */
@Command(name = "banyan", mixinStandardHelpOptions = true, version = "banyan 0.1.0",
        description = "A supervision-tree init and service manager.",
        subcommands = {UpCommand.class,
                // client commands (control API)
                StatusCommand.class, ActionCommand.Start.class, ActionCommand.Stop.class, ActionCommand.Restart.class,
                SignalCommand.class, LogsCommand.class, WaitCommand.class, ReloadCommand.class, ShutdownCommand.class,
                picocli.AutoComplete.GenerateCompletion.class,
                CommandLine.HelpCommand.class})
public final class Main {
    public static final int OK = 0, FAILED = 1, USAGE = 2, UNREACHABLE = 3;

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new Main())
                .setExitCodeExceptionMapper(e -> USAGE)
                .setParameterExceptionHandler((e, a) -> {
                    e.getCommandLine().getErr().println("banyan: " + e.getMessage());
                    e.getCommandLine().getErr().println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
                    return USAGE;
                })
                .setExecutionExceptionHandler((e, c, p) -> {
                    c.getErr().println("banyan: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
                    return FAILED;
                });
        System.exit(cl.execute(args));
    }
}

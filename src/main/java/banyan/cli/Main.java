package banyan.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `banyan` command. Exit codes (design.md section 4): 0 ok, 1 failed, 2 usage or config, 3 not reachable. */
@Command(name = "banyan", mixinStandardHelpOptions = true, version = "banyan 0.1.0",
        description = "A supervision-tree init and service manager.",
        subcommands = {UpCommand.class, InitCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    public static final int OK = 0, FAILED = 1, USAGE = 2, UNREACHABLE = 3;

    /**
     * The client commands, registered lazily: picocli's model of a command costs ~15 ms of
     * reflection at startup, and `banyan status` should answer in tens of milliseconds, so a
     * client command builds only its own; anything else (help, completion, up) sees them all.
     */
    private static final java.util.Map<String, Class<?>> CLIENT = clientCommands();

    private static java.util.Map<String, Class<?>> clientCommands() {
        java.util.Map<String, Class<?>> m = new java.util.LinkedHashMap<>();
        m.put("status", StatusCommand.class);
        m.put("start", ActionCommand.Start.class);
        m.put("stop", ActionCommand.Stop.class);
        m.put("restart", ActionCommand.Restart.class);
        m.put("signal", SignalCommand.class);
        m.put("logs", LogsCommand.class);
        m.put("wait", WaitCommand.class);
        m.put("reload", ReloadCommand.class);
        m.put("shutdown", ShutdownCommand.class);
        m.put("generate-completion", picocli.AutoComplete.GenerateCompletion.class);
        return m;
    }

    static CommandLine withClientCommands(CommandLine cl, String[] args) {
        String first = args.length > 0 ? args[0] : "";
        boolean one = CLIENT.containsKey(first) && !first.equals("generate-completion");
        if (!one && cl.getSubcommands().containsKey(first)) return cl; // up, init...: a server needs no client model
        CLIENT.forEach((name, type) -> {
            if (!one || name.equals(first)) cl.addSubcommand(name, type);
        });
        return cl;
    }

    public static void main(String[] args) {
        CommandLine cl = withClientCommands(new CommandLine(new Main()), args)
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

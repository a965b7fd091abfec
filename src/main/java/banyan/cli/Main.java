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
     * Built on use, not in a static initializer: a plain status call (FastPath) needs none of it.
     */
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
        m.put("vars", VarsCommand.class);
        m.put("continue", ContinueCommand.class);
        m.put("shutdown", ShutdownCommand.class);
        m.put("roots", RootsCommand.class);
        m.put("peers", PeersCommand.class);
        m.put("reroot", RerootCommand.class);
        m.put("shell", ShellCommand.class);
        m.put("sessions", SessionsCommand.class);
        m.put("import", ImportCommand.class);
        m.put("generate-completion", CompletionCommand.class);
        return m;
    }

    static CommandLine withClientCommands(CommandLine cl, String[] args) {
        java.util.Map<String, Class<?>> client = clientCommands();
        String first = args.length > 0 ? args[0] : "";
        boolean one = client.containsKey(first) && !first.equals("generate-completion");
        if (!one && cl.getSubcommands().containsKey(first)) return cl; // up, init...: a server needs no client model
        client.forEach((name, type) -> {
            if (!one || name.equals(first)) cl.addSubcommand(name, type);
        });
        return cl;
    }

    /**
     * A plain status call skips picocli (FastPath); everything else is parsed by it. A status that
     * succeeded returns instead of calling System.exit, whose logging of the call (Runtime.exit)
     * starts the JDK's logging backend: several milliseconds of a call that takes about sixty.
     */
    public static void main(String[] args) {
        args = asKernelsInit(args);
        int fast = FastPath.run(args);
        if (fast == OK) return;
        int code = fast >= 0 ? fast : picocli(args);
        ConsoleSink.drainStandardStreams(LAST_WORDS);
        System.exit(code);
    }

    /** How long a server waits at exit for its console to take its last lines: a console that never reads must not hold it. */
    static final java.time.Duration LAST_WORDS = java.time.Duration.ofSeconds(1);

    /**
     * Started by the kernel as init (init=/path/to/banyan): no command, or only the words of the
     * kernel command line it passes on (such as "single"). That is `banyan init`.
     */
    static String[] asKernelsInit(String[] args) {
        if (banyan.os.Proc.pid() != 1) return args;
        if (args.length > 0 && (args[0].startsWith("-") || java.util.Set.of("up", "init", "help").contains(args[0])
                || clientCommands().containsKey(args[0]))) return args;
        if (args.length > 0) System.err.println("banyan: as PID 1 with no command: running init; ignoring " + String.join(" ", args));
        return new String[] {"init"};
    }

    static int picocli(String[] args) {
        CommandLine cl = withClientCommands(new CommandLine(new Main()), args)
                .setExitCodeExceptionMapper(e -> USAGE)
                .setParameterExceptionHandler((e, a) ->
                        Usage.error(e.getCommandLine().getCommandSpec(), e.getCommandLine().getErr(), e.getMessage()))
                .setExecutionExceptionHandler((e, c, p) -> {
                    c.getErr().println("banyan: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
                    return FAILED;
                });
        return cl.execute(args);
    }
}

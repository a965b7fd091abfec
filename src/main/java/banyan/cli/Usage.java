package banyan.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;

/**
 * How every usage error ends, whichever part of banyan found it (picocli, a command's own check of
 * a value, or the server refusing a name): what is wrong, the command's synopsis and where its
 * help is, on stderr, and exit code 2.
 *
 * <pre>
 * banyan: Missing required parameter: 'SIG'
 * usage: banyan signal [-hV] [--control=PATH] [--token-file=FILE] NAME SIG
 * Try 'banyan signal --help'.
 * </pre>
 */
final class Usage {
    private Usage() {}

    static int error(CommandSpec spec, PrintWriter err, String message) {
        err.println("banyan: " + message);
        err.println("usage: " + synopsis(spec));
        err.println("Try '" + spec.qualifiedName() + " --help'.");
        err.flush();
        return Main.USAGE;
    }

    /** The same for a command that runs without picocli's model (FastPath's status): its model is built now. */
    static int error(Class<?> command, PrintWriter err, String message) {
        CommandLine cl = new CommandLine(new Main());
        CommandLine sub = new CommandLine(command);
        cl.addSubcommand(sub.getCommandName(), sub);
        return error(sub.getCommandSpec(), err, message);
    }

    /** picocli's synopsis on one line: "banyan signal [-hV] ... NAME SIG". */
    static String synopsis(CommandSpec spec) {
        return spec.commandLine().getHelp().synopsis(0).strip().replaceAll("\\s+", " ");
    }
}

package banyan.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * `banyan generate-completion`: picocli's bash/zsh completion script. picocli's own command of that
 * name accepts any extra argument and prints the script anyway; this one takes none, so that a
 * mistyped call is a usage error like every other.
 */
@Command(name = "generate-completion", mixinStandardHelpOptions = true,
        description = "Print a bash/zsh completion script: banyan generate-completion > /etc/bash_completion.d/banyan")
final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        out.print(AutoComplete.bash(spec.root().name(), spec.root().commandLine()));
        out.flush();
        return Main.OK;
    }
}

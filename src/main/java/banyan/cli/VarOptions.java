package banyan.cli;

import banyan.config.ConfigException;
import banyan.config.StackConfig;
import banyan.init.BootSteps;
import banyan.config.VarLayer;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** `banyan up` and `banyan init` options for variables and a bring-up by steps (docs/boot.md). */
final class VarOptions {
    @Option(names = "--vars", paramLabel = "FILE", description = "values for [vars] (NAME = \"value\"; service.NAME = \"clear\"), read again at each reload")
    Path varsFile;

    @Option(names = "--var", paramLabel = "NAME=VALUE", description = "a value for a variable of [vars] (or service.NAME=clear); wins over --vars")
    List<String> vars = new ArrayList<>();

    @Option(names = "--interactive", description = "ask before each step of bring-up: accept, a new value, 'clear' or 'sh'")
    boolean interactive;

    @Option(names = "--pause-before", paramLabel = "STEP", description = "ask only before STEP (a variable, or service.NAME)")
    String pauseBefore;

    @Option(names = "--save-answers", paramLabel = "FILE", description = "write the answers that differ from the configuration as a vars file")
    Path saveAnswers;

    /** The layers below the console's answers, in rising order: the vars file, the flags, the kernel's words (init on a machine). */
    /** These options again, for the image that runs from RAM (FromRam re-execs with the arguments it is given). */
    List<String> args() {
        List<String> a = new ArrayList<>();
        if (varsFile != null) a.add("--vars=" + FromRam.absolute(varsFile));
        for (String v : vars) a.add("--var=" + v);
        if (interactive) a.add("--interactive");
        if (pauseBefore != null) a.add("--pause-before=" + pauseBefore);
        if (saveAnswers != null) a.add("--save-answers=" + FromRam.absolute(saveAnswers));
        return a;
    }

    List<VarLayer> layers(Map<String, String> kernel) throws ConfigException {
        List<VarLayer> out = new ArrayList<>();
        if (varsFile != null) out.add(VarLayer.file(varsFile));
        if (!vars.isEmpty()) out.add(VarLayer.flags(vars));
        if (!kernel.isEmpty()) out.add(VarLayer.of(VarLayer.Kind.KERNEL, kernel));
        return out;
    }

    /** The file with every layer, the answers of a bring-up by steps on top (init adjusts the target first). */
    StackConfig load(Path file, Map<String, String> kernel, List<VarLayer> answers) throws ConfigException {
        List<VarLayer> all = new ArrayList<>(layers(kernel));
        all.addAll(answers);
        return Configs.load(file, all);
    }

    /**
     * The bring-up by steps that these options or [boot] (boot: as the kernel's words left it) ask
     * for, if any. A pause before a step the configuration does not have is a usage error.
     */
    Optional<BootSteps> steps(StackConfig first, Map<String, String> boot, BootSteps.Loader loader, Consumer<String> log)
            throws ServeOptions.UsageError {
        BootSteps.Options o = check(first, boot);
        return o.active() ? Optional.of(new BootSteps(o, loader, log)) : Optional.empty();
    }

    /** The options of a bring-up by steps; a pause before a step the configuration does not have is a usage error. */
    BootSteps.Options check(StackConfig first, Map<String, String> boot) throws ServeOptions.UsageError {
        BootSteps.Options o = BootSteps.Options.of(interactive, Optional.ofNullable(pauseBefore), Optional.ofNullable(saveAnswers), boot);
        Optional<String> bad = o.pauseBefore().flatMap(p -> BootSteps.unknownStep(first, p));
        if (bad.isPresent()) throw new ServeOptions.UsageError(bad.get());
        Path dir = saveAnswers == null ? null : saveAnswers.toAbsolutePath().getParent();
        if (dir != null && !java.nio.file.Files.isDirectory(dir))
            throw new ServeOptions.UsageError("--save-answers " + saveAnswers + ": no directory " + dir + " to write it in");
        return o;
    }
}

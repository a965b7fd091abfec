package banyan.cli;

import banyan.config.ConfigException;
import banyan.config.ConfigLoader;
import banyan.config.Problem;
import banyan.config.StackConfig;
import banyan.os.OpenFiles;
import banyan.supervise.FdBudget;

import java.nio.file.Path;
import java.util.List;

/** The configuration a server (up, init, a reload of either) runs: the file, validated, and one this process can hold. */
final class Configs {
    private Configs() {}

    static StackConfig load(Path file) throws ConfigException {
        return load(file, List.of());
    }

    static StackConfig load(Path file, List<banyan.config.VarLayer> layers) throws ConfigException {
        StackConfig c = ConfigLoader.load(file, layers);
        var tooMany = FdBudget.problem(c, OpenFiles.raise());
        if (tooMany.isPresent()) throw new ConfigException(List.of(new Problem(file, 0, 0, tooMany.get())));
        return c;
    }

    /** What `starting ...` adds: how many services this banyan has room for. */
    static String room() {
        OpenFiles.Limit l = OpenFiles.get();
        return "room for about " + FdBudget.room(l) + " service(s) with RLIMIT_NOFILE " + l.soft();
    }
}

package banyan.cli;

import banyan.imports.Import;
import banyan.imports.ImportException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Print a banyan.toml equivalent to a supervisord, process-compose or s6 configuration.",
                "PATH is a supervisord.conf, a process-compose.yaml, or an s6 scan or s6-rc source directory.",
                "Keys with no equivalent are kept as comments that say why (docs/migrating.md)."})
final class ImportCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KIND", completionCandidates = Kinds.class,
            description = "supervisord, process-compose or s6")
    String kind;

    @Parameters(index = "1", paramLabel = "PATH", description = "the file (supervisord, process-compose) or directory (s6)")
    Path path;

    static final class Kinds extends java.util.ArrayList<String> {
        Kinds() {
            super(Import.KINDS);
        }
    }

    @Override
    public Integer call() {
        if (!Import.KINDS.contains(kind)) {
            return Usage.error(spec, new java.io.PrintWriter(System.err, true),
                    "import: unknown kind '" + kind + "'; use one of: " + String.join(", ", Import.KINDS));
        }
        Import.Result r;
        try {
            r = Import.run(kind, path, System.getenv(), hostname());
        } catch (ImportException e) {
            System.err.println("banyan: import: " + e.getMessage());
            return Main.USAGE;
        }
        System.out.print(r.toml());
        System.out.flush();
        for (String w : r.warnings()) System.err.println("banyan: import: the result does not load here as it is: " + w);
        return Main.OK;
    }

    /** uname's nodename, as Python's platform.node() gives supervisord. */
    private static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }
}

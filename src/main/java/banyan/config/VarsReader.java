package banyan.config;

import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.Set;

/** [vars] of every file, the layers laid over them in rising order, and the services a layer clears; one per load. */
final class VarsReader {
    static final String NAME = "[A-Za-z_][A-Za-z0-9_]*";
    private final SequencedMap<String, String> values = new LinkedHashMap<>();
    private final Map<String, String> origins = new LinkedHashMap<>();
    private final Map<String, VarLayer.Given> services = new LinkedHashMap<>(); // service.NAME steps, the last layer's
    private final Map<String, VarLayer> serviceLayer = new LinkedHashMap<>();
    private final List<Problem> problems;

    VarsReader(List<Problem> problems) {
        this.problems = problems;
    }

    /** The [vars] table of one file; a name defined in two files is an error naming the first. */
    void declare(Path file, TomlParseResult toml, Fields top) {
        if (toml.contains("vars") && !toml.isTable("vars")) top.error("vars", "must be a table: [vars]");
        if (!toml.isTable("vars")) return;
        TomlTable t = toml.getTable("vars");
        Fields f = top.sub(t, "vars", toml.inputPositionOf("vars"));
        for (String k : ConfigLoader.inFileOrder(t)) {
            if (!k.matches(NAME) || k.equals("service") || k.equals("root")) {
                f.error(k, "'" + k + "' is not a variable name: letters, digits and _, not starting with a digit"
                        + (k.equals("service") || k.equals("root") ? ", and not '" + k + "' (it names steps)" : ""));
                continue;
            }
            if (values.containsKey(k)) {
                f.error(k, "variable '" + k + "' is already defined at " + origins.get(k));
                continue;
            }
            if (!(t.get(List.of(k)) instanceof String s)) {
                f.error(k, "must be a string, not " + Fields.describe(t.get(List.of(k))) + " (write it in quotes)");
                continue;
            }
            if (s.indexOf('\0') >= 0) {
                f.error(k, "holds a NUL character, which no program, path or variable can carry");
                continue;
            }
            values.put(k, s);
            origins.put(k, f.place(k).toString());
        }
    }

    /** Lays each layer over [vars]; a name no [vars] defines is an error, except on the kernel's line (boot keys live there too). */
    void override(List<VarLayer> layers) {
        for (VarLayer l : layers)
            for (VarLayer.Given g : l.given()) {
                if (g.name().startsWith("service.")) {
                    services.put(g.name().substring(8), g);
                    serviceLayer.put(g.name().substring(8), l);
                } else if (values.containsKey(g.name())) {
                    values.put(g.name(), g.value());
                    origins.put(g.name(), l.origin(g));
                } else if (l.kind() != VarLayer.Kind.KERNEL) problems.add(where(l, g, Expander.unknown(g.name(), values.keySet())
                        .replaceFirst("^unknown variable \\$\\{(.*?)}", "unknown variable '$1'")));
            }
    }

    Expander expander() {
        return new Expander(values);
    }

    /** The services a layer set to "clear"; an unknown service or another word is an error (ignored on the kernel's line). */
    Set<String> held(Set<String> known) {
        Set<String> out = new LinkedHashSet<>();
        services.forEach((name, g) -> {
            VarLayer l = serviceLayer.get(name);
            boolean kernel = l.kind() == VarLayer.Kind.KERNEL;
            if (!known.contains(name)) {
                String near = Suggest.nearest(name, known);
                if (!kernel) problems.add(where(l, g, "no service named '" + name + "'" + (near == null ? "" : "; did you mean 'service." + near + "'?")));
            } else if (g.value().equals("clear")) out.add(name);
            else if (!g.value().equals("start") && !kernel)
                problems.add(where(l, g, "service." + name + " = '" + g.value() + "': a service step is \"clear\" (leave it down) or \"start\""));
        });
        return out;
    }

    Vars vars(Expander used) {
        SequencedMap<String, Vars.Var> all = new LinkedHashMap<>();
        values.forEach((n, v) -> all.put(n, new Vars.Var(n, v, origins.get(n), new ArrayList<>(used.users(n)))));
        return new Vars(all);
    }

    private static Problem where(VarLayer l, VarLayer.Given g, String message) {
        return switch (l.kind()) {
            case VARS_FILE -> g.place().problem(message);
            case FLAG -> new Problem(Path.of(""), 0, 0, "--var " + g.name() + "=...: " + message);
            case KERNEL -> new Problem(Path.of(""), 0, 0, "banyan." + g.name() + " on the kernel command line: " + message);
            case ANSWER -> new Problem(Path.of(""), 0, 0, g.name() + ": " + message);
        };
    }
}

package banyan.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * A whole configuration: services in file order, the targets that group them, where logs go, and
 * the roots services may live on, and the peers whose services they may depend on.
 * {@link #bootTarget} is what `banyan up` brings up.
 */
public record StackConfig(List<Path> sources, Map<String, String> boot, SequencedMap<String, ServiceConfig> services,
                          Map<String, Target> targets, LogConfig log, SequencedMap<String, RootConfig> roots, GridConfig grid) {
    public static final String DEFAULT_TARGET = "default";

    public StackConfig(List<Path> sources, Map<String, String> boot, SequencedMap<String, ServiceConfig> services,
                       Map<String, Target> targets, LogConfig log, SequencedMap<String, RootConfig> roots) {
        this(sources, boot, services, targets, log, roots, GridConfig.NONE);
    }

    public StackConfig(List<Path> sources, Map<String, String> boot, SequencedMap<String, ServiceConfig> services,
                       Map<String, Target> targets, LogConfig log) {
        this(sources, boot, services, targets, log, new java.util.LinkedHashMap<>());
    }

    public StackConfig(List<Path> sources, Map<String, String> boot, SequencedMap<String, ServiceConfig> services,
                       Map<String, Target> targets) {
        this(sources, boot, services, targets, LogConfig.DEFAULT);
    }

    public StackConfig {
        targets = Map.copyOf(targets);
        sources = List.copyOf(sources);
        boot = Map.copyOf(boot);
        services = java.util.Collections.unmodifiableSequencedMap(new java.util.LinkedHashMap<>(services));
        roots = java.util.Collections.unmodifiableSequencedMap(new java.util.LinkedHashMap<>(roots));
    }

    /** [boot].target, or "default". */
    public String bootTarget() {
        return boot.getOrDefault("target", DEFAULT_TARGET);
    }

    /**
     * The services that bringing target up pulls in: its requires and wants, and theirs, through
     * services' requires and wants (never `after`). With no targets defined, every service.
     */
    public java.util.Set<String> closure(String target) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        Target t = targets.get(target);
        if (t == null) {
            if (targets.isEmpty()) out.addAll(services.keySet());
            return out;
        }
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(t.requires());
        todo.addAll(t.wants());
        while (!todo.isEmpty()) {
            String n = todo.pop();
            ServiceConfig s = services.get(n);
            if (s == null || !out.add(n)) continue; // a remote service (files@b) is not ours to bring up
            todo.addAll(s.deps().requires());
            todo.addAll(s.deps().wants());
        }
        return out;
    }
}

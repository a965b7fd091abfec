package banyan.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.Set;

/**
 * A whole configuration: services in file order, the targets that group them, where logs go, and
 * the roots services may live on, and the peers whose services they may depend on.
 * {@link #bootTarget} is what `banyan up` brings up.
 */
public record StackConfig(List<Path> sources, Map<String, String> boot, SequencedMap<String, ServiceConfig> services,
                          Map<String, Target> targets, LogConfig log, SequencedMap<String, RootConfig> roots, Vars vars,
                          Set<String> held, GridConfig grid) {
    public static final String DEFAULT_TARGET = "default";

    public StackConfig(List<Path> sources, Map<String, String> boot, SequencedMap<String, ServiceConfig> services,
                       Map<String, Target> targets, LogConfig log, SequencedMap<String, RootConfig> roots) {
        this(sources, boot, services, targets, log, roots, Vars.NONE, Set.of(), GridConfig.NONE);
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
        held = Set.copyOf(held);
    }

    /** This configuration with another [boot] (init: the kernel's command line chose the target). */
    public StackConfig withBoot(Map<String, String> boot) {
        return new StackConfig(sources, boot, services, targets, log, roots, vars, held, grid);
    }

    /**
     * This configuration with held services, which bring-up leaves down together with what requires
     * them: those cleared at a prompt or in a vars file, and during a bring-up by steps those not yet asked.
     */
    public StackConfig withHeld(Set<String> held) {
        return new StackConfig(sources, boot, services, targets, log, roots, vars, held, grid);
    }

    /** [boot].target, or "default". */
    public String bootTarget() {
        return boot.getOrDefault("target", DEFAULT_TARGET);
    }

    /**
     * The services that bringing target up pulls in: its requires and wants, and theirs, through
     * services' requires and wants (never `after`), with no service held and none that requires
     * one, transitively. With no targets defined, every service.
     */
    public Set<String> closure(String target) {
        Set<String> out = pulledIn(target);
        if (held.isEmpty()) return out;
        Set<String> blocked = new java.util.HashSet<>(held);
        for (boolean more = true; more; ) {
            more = false;
            for (String n : out)
                if (!blocked.contains(n) && services.get(n).deps().requires().stream().anyMatch(blocked::contains)) more = blocked.add(n);
        }
        out.removeAll(blocked);
        return out;
    }

    /** What target pulls in, held services included. */
    public Set<String> pulledIn(String target) {
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

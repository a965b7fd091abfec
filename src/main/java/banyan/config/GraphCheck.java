package banyan.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Checks the whole graph once every file is read: names that exist, no cycles, a boot target that exists. */
final class GraphCheck {
    private GraphCheck() {}

    /** bootAt: where each [boot] key was written. */
    static void check(java.nio.file.Path firstFile, Map<String, ServiceConfig> services, Map<String, Target> targets, Map<String, String> boot,
                      Map<String, Place> bootAt, GridConfig grid, List<Problem> problems) {
        for (ServiceConfig s : services.values()) {
            remoteRefs(s, "requires", s.deps().requires(), services.keySet(), grid, problems);
            remoteRefs(s, "wants", s.deps().wants(), services.keySet(), grid, problems);
            refs(s.place(), "service." + s.name(), "after", s.deps().after(), services.keySet(), problems);
        }
        for (Target t : targets.values()) {
            refs(t.place(), "target." + t.name(), "requires", t.requires(), services.keySet(), problems);
            refs(t.place(), "target." + t.name(), "wants", t.wants(), services.keySet(), problems);
        }
        String name = boot.getOrDefault("target", StackConfig.DEFAULT_TARGET);
        if (!targets.isEmpty() && !targets.containsKey(name) || targets.isEmpty() && boot.containsKey("target") && !name.equals(StackConfig.DEFAULT_TARGET))
            problems.add(bootAt.getOrDefault("target", new Place(firstFile, 0, 0)).problem("boot.target: no [target." + name + "]"
                    + (boot.containsKey("target") ? "" : " (the default when [boot] sets no target)")
                    + (targets.isEmpty() ? "" : "; defined: " + String.join(", ", targets.keySet()))));
        Map<String, List<String>> edges = new LinkedHashMap<>();
        services.values().forEach(s -> edges.put(s.name(), s.deps().ordering().stream().filter(services::containsKey).toList()));
        Cycles.find(edges).ifPresent(c -> problems.add(services.get(c.getFirst()).place()
                .problem("dependency cycle: " + String.join(" → ", c) + "; break it by removing one of these requires/wants/after")));
    }

    /** requires and wants may also name SERVICE@PEER, a service of a [peer.PEER]; a local service of that name comes first. */
    private static void remoteRefs(ServiceConfig s, String key, List<String> names, Set<String> known, GridConfig grid, List<Problem> problems) {
        List<String> local = new java.util.ArrayList<>();
        for (String n : names) {
            int at = n.lastIndexOf('@');
            if (known.contains(n) || at <= 0) local.add(n);
            else if (grid.peerOf(n).isEmpty()) {
                String peer = n.substring(at + 1), near = Suggest.nearest(peer, grid.peers().keySet());
                problems.add(s.place().problem("service." + s.name() + "." + key + ": no service '" + n + "' and no [peer." + peer + "]"
                        + (near != null ? "; did you mean '" + n.substring(0, at + 1) + near + "'?"
                        : grid.peers().isEmpty() ? "; define [peer." + peer + "] with its address and token_file" : "; peers: " + String.join(", ", grid.peers().keySet()))));
            } else if (!n.substring(0, at).matches("[A-Za-z0-9][A-Za-z0-9_.@-]*"))
                problems.add(s.place().problem("service." + s.name() + "." + key + ": '" + n.substring(0, at) + "' is not a service name"));
        }
        refs(s.place(), "service." + s.name(), key, local, known, problems);
    }

    private static void refs(Place at, String section, String key, List<String> names, Set<String> known, List<Problem> problems) {
        for (String n : names) {
            if (known.contains(n)) continue;
            String near = Suggest.nearest(n, known);
            problems.add(at.problem(section + "." + key + ": no service '" + n + "'" + (near == null ? "" : "; did you mean '" + near + "'?")));
        }
    }
}

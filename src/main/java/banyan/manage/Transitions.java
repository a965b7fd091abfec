package banyan.manage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides, from the graph and every service's phase, which services to start and which to stop
 * now. Pure and level-triggered: the stack calls it after every state change, so bringing a
 * target up runs every independent branch in parallel, the way down is the exact reverse of the
 * way up (a service stops only after everything ordered after it is down), and a service whose
 * hard requirement went away is stopped and, because it stays pending, comes back on its own.
 */
final class Transitions {
    private Transitions() {}

    /** A service as the planner sees it. */
    enum Phase {
        DOWN, FAILED, STARTING, READY, STOPPING;

        static Phase of(String state) {
            return switch (state) {
                case "down" -> DOWN;
                case "failed" -> FAILED;
                case "up", "done" -> READY;
                case "stopping" -> STOPPING;
                default -> STARTING; // starting, backoff
            };
        }
    }

    /**
     * @param wanted  asked to run (the target's closure, or started by hand)
     * @param pending owed a start: not started since it became wanted, or stopped by the planner
     * @param holding not to run for now although wanted (its old instance is being replaced)
     */
    record Node(Phase phase, boolean wanted, boolean pending, boolean holding) {}

    record Decision(List<String> start, List<String> stop) {}

    /**
     * A predecessor lets what is ordered after it go once it is ready or has given up: failed,
     * exited by itself, or skipped because something it requires gave up.
     */
    static Decision decide(Graph g, Map<String, Node> nodes) {
        Map<String, Boolean> eff = effective(g, nodes);
        Map<String, Boolean> needStop = new HashMap<>(), gaveUp = new HashMap<>();
        for (String n : g.order()) {
            Node x = nodes.get(n);
            gaveUp.put(n, x.phase() == Phase.FAILED || x.phase() == Phase.DOWN
                    && (!x.pending() || g.requires().get(n).stream().anyMatch(gaveUp::get)));
            boolean active = x.phase() == Phase.STARTING || x.phase() == Phase.READY;
            // A requirement that is not ready, or about to stop, takes this one down first.
            needStop.put(n, active && (!eff.get(n) || g.requires().get(n).stream()
                    .anyMatch(r -> nodes.get(r).phase() != Phase.READY || needStop.get(r))));
        }
        List<String> start = new ArrayList<>(), stop = new ArrayList<>();
        for (String n : g.order()) {
            Node x = nodes.get(n);
            if (needStop.get(n)) {
                boolean dependentsGone = g.succs().get(n).stream().allMatch(d -> {
                    Phase p = nodes.get(d).phase();
                    return p == Phase.DOWN || p == Phase.FAILED || !needStop.get(d) && p != Phase.STOPPING;
                });
                if (dependentsGone) stop.add(n);
            } else if (x.pending() && eff.get(n) && (x.phase() == Phase.DOWN || x.phase() == Phase.FAILED)
                    && g.requires().get(n).stream().allMatch(r -> nodes.get(r).phase() == Phase.READY)
                    && g.preds().get(n).stream().allMatch(p -> !eff.get(p) || nodes.get(p).phase() == Phase.READY || gaveUp.get(p))) {
                start.add(n);
            }
        }
        return new Decision(start, stop);
    }

    /** Wanted, not held, and so is everything it requires (in topological order, so requirements come first). */
    static Map<String, Boolean> effective(Graph g, Map<String, Node> nodes) {
        Map<String, Boolean> eff = new HashMap<>();
        for (String n : g.order()) {
            Node x = nodes.get(n);
            eff.put(n, x.wanted() && !x.holding() && g.requires().get(n).stream().allMatch(eff::get));
        }
        return eff;
    }

    /** Why a wanted service is not up, or empty when it is up or still on its way. */
    static Optional<String> blocked(Graph g, Map<String, Node> nodes, String n, Set<String> seen) {
        Node x = nodes.get(n);
        if (x.phase() == Phase.FAILED) return Optional.of("failed");
        if (x.phase() == Phase.DOWN && !x.pending()) return Optional.of("exited");
        if (x.phase() != Phase.DOWN || !x.pending() || !seen.add(n)) return Optional.empty(); // still on its way
        for (String r : g.requires().get(n)) {
            Optional<String> why = blocked(g, nodes, r, seen);
            if (why.isPresent()) return Optional.of("skipped: requires " + r + (why.get().startsWith("skipped") ? ", " + why.get() : " (" + why.get() + ")"));
        }
        return Optional.empty();
    }
}

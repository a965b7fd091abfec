package banyan.manage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides, from the graph and every service's phase, which services to start and which to stop
 * now. Pure and level-triggered: the stack calls it after every batch of state changes, so
 * bringing a target up runs every independent branch in parallel, the way down is the exact
 * reverse of the way up (a service stops only after everything ordered after it is down), and a
 * service whose hard requirement went away is stopped and, because it stays pending, comes back
 * on its own. One pass in topological order: O(services + edges).
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
     * @param stale   its instance started before the current instance of something it requires was
     *                ready (both were killed and came back on their own): it must start again
     */
    record Node(Phase phase, boolean wanted, boolean pending, boolean holding, boolean stale) {
        Node(Phase phase, boolean wanted, boolean pending, boolean holding) {
            this(phase, wanted, pending, holding, false);
        }
    }

    /** Services by their index in the graph's order. */
    record Decision(List<Integer> start, List<Integer> stop) {}

    /**
     * A predecessor lets what is ordered after it go once it is ready or has given up: failed,
     * exited by itself, or skipped because something it requires gave up.
     */
    static Decision decide(Graph g, Node[] nodes) {
        int n = g.size();
        boolean[] eff = effective(g, nodes), needStop = new boolean[n], gaveUp = new boolean[n];
        for (int i = 0; i < n; i++) {
            Node x = nodes[i];
            gaveUp[i] = x.phase() == Phase.FAILED || x.phase() == Phase.DOWN && (!x.pending() || any(g.requires()[i], gaveUp));
            boolean active = x.phase() == Phase.STARTING || x.phase() == Phase.READY;
            // A requirement that is not ready, or about to stop, takes this one down first.
            boolean lost = false;
            for (int r : g.requires()[i]) lost |= nodes[r].phase() != Phase.READY || needStop[r];
            needStop[i] = active && (!eff[i] || lost || x.stale());
        }
        // Out of the way of a stop: a service that stays, or one that is down or failed and so is
        // everything after it (a failed service in the middle of a chain does not let its ends stop together).
        boolean[] clear = new boolean[n];
        for (int i = n - 1; i >= 0; i--) {
            Phase p = nodes[i].phase();
            clear[i] = p == Phase.DOWN || p == Phase.FAILED ? all(g.succs()[i], clear) : !needStop[i] && p != Phase.STOPPING;
        }
        List<Integer> start = new ArrayList<>(), stop = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Node x = nodes[i];
            if (needStop[i]) {
                if (all(g.succs()[i], clear)) stop.add(i);
            } else if (x.pending() && eff[i] && (x.phase() == Phase.DOWN || x.phase() == Phase.FAILED)) {
                boolean go = true;
                for (int r : g.requires()[i]) go &= nodes[r].phase() == Phase.READY && !needStop[r];
                for (int p : g.preds()[i]) go &= !eff[p] || nodes[p].phase() == Phase.READY || gaveUp[p];
                if (go) start.add(i);
            }
        }
        return new Decision(start, stop);
    }

    /** The same decision by name, for tests and callers that hold a map. */
    static Map<String, List<String>> decide(Graph g, Map<String, Node> byName) {
        Decision d = decide(g, array(g, byName));
        return Map.of("start", d.start().stream().map(g.order()::get).toList(), "stop", d.stop().stream().map(g.order()::get).toList());
    }

    static Node[] array(Graph g, Map<String, Node> byName) {
        Node[] out = new Node[g.size()];
        for (int i = 0; i < out.length; i++) out[i] = byName.get(g.order().get(i));
        return out;
    }

    /** Wanted, not held, and so is everything it requires (requirements come first in the order). */
    static boolean[] effective(Graph g, Node[] nodes) {
        boolean[] eff = new boolean[nodes.length];
        for (int i = 0; i < nodes.length; i++) {
            boolean ok = nodes[i].wanted() && !nodes[i].holding();
            for (int r : g.requires()[i]) ok &= eff[r];
            eff[i] = ok;
        }
        return eff;
    }

    private static boolean all(int[] of, boolean[] flag) {
        for (int i : of) if (!flag[i]) return false;
        return true;
    }

    private static boolean any(int[] of, boolean[] flag) {
        for (int i : of) if (flag[i]) return true;
        return false;
    }

    /**
     * Why each service is not up, in one pass: "failed", "exited", "skipped: requires x (failed)",
     * or null when it is up or still on its way.
     */
    static String[] blocked(Graph g, Node[] nodes) {
        String[] why = new String[nodes.length];
        for (int i = 0; i < nodes.length; i++) {
            Node x = nodes[i];
            if (x.phase() == Phase.FAILED) why[i] = "failed";
            else if (x.phase() == Phase.DOWN && !x.pending()) why[i] = "exited";
            else if (x.phase() == Phase.DOWN)
                for (int r : g.requires()[i]) {
                    if (why[r] == null) continue;
                    why[i] = "skipped: requires " + g.order().get(r) + (why[r].startsWith("skipped") ? ", " + why[r] : " (" + why[r] + ")");
                    break;
                }
        }
        return why;
    }
}

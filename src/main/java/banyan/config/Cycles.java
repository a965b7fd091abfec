package banyan.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Finds a cycle in a directed graph given as node → the nodes it points to. */
public final class Cycles {
    private Cycles() {}

    /** A cycle as its path with the first node repeated at the end (a, b, c, a); empty when the graph is acyclic. */
    public static Optional<List<String>> find(Map<String, ? extends Collection<String>> edges) {
        Map<String, Integer> color = new HashMap<>(); // absent: unvisited; 1: on the path; 2: done
        for (String start : edges.keySet()) {
            if (color.containsKey(start)) continue;
            // Iterative DFS, so a 10 000-deep chain cannot overflow the stack.
            List<String> path = new ArrayList<>();
            List<java.util.Iterator<String>> its = new ArrayList<>();
            path.add(start);
            its.add(edges.get(start).iterator());
            color.put(start, 1);
            while (!path.isEmpty()) {
                var it = its.getLast();
                if (!it.hasNext()) {
                    color.put(path.removeLast(), 2);
                    its.removeLast();
                    continue;
                }
                String next = it.next();
                Integer c = color.get(next);
                if (c == null) {
                    color.put(next, 1);
                    path.add(next);
                    Collection<String> out = edges.get(next);
                    its.add(out == null ? java.util.Collections.emptyIterator() : out.iterator());
                } else if (c == 1) {
                    List<String> cycle = new ArrayList<>(path.subList(path.indexOf(next), path.size()));
                    cycle.add(next);
                    return Optional.of(cycle);
                }
            }
        }
        return Optional.empty();
    }
}

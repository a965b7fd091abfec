package banyan.manage;

import banyan.config.Dependencies;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * The service graph, precomputed for the transition loop, which runs after every state change
 * and so works on arrays: services are numbered in one topological order ({@link #order}), and
 * for each one the numbers of what it is ordered after (preds), what is ordered after it (succs)
 * and what it hard-requires. The configuration was checked for cycles and unknown names when it
 * was loaded; edges to services that are not in the graph (being removed by a reload) are dropped.
 */
record Graph(List<String> order, Map<String, Integer> index, int[][] preds, int[][] succs, int[][] requires) {

    static Graph of(SequencedMap<String, Dependencies> deps) {
        Map<String, List<String>> succ = new HashMap<>();
        deps.keySet().forEach(n -> succ.put(n, new ArrayList<>()));
        Map<String, Integer> left = new HashMap<>();
        deps.forEach((n, d) -> {
            List<String> p = d.ordering().stream().filter(deps::containsKey).toList();
            left.put(n, p.size());
            p.forEach(x -> succ.get(x).add(n));
        });
        // Kahn's algorithm, seeded in file order so that the order is stable.
        ArrayDeque<String> ready = new ArrayDeque<>();
        deps.keySet().forEach(n -> { if (left.get(n) == 0) ready.add(n); });
        List<String> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            String n = ready.poll();
            order.add(n);
            for (String s : succ.get(n)) if (left.merge(s, -1, Integer::sum) == 0) ready.add(s);
        }
        if (order.size() != deps.size()) throw new IllegalArgumentException("dependency cycle among " + deps.keySet());
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < order.size(); i++) index.put(order.get(i), i);
        int n = order.size();
        int[][] preds = new int[n][], succs = new int[n][], requires = new int[n][];
        for (int i = 0; i < n; i++) {
            Dependencies d = deps.get(order.get(i));
            preds[i] = d.ordering().stream().filter(index::containsKey).mapToInt(index::get).toArray();
            requires[i] = d.requires().stream().filter(index::containsKey).mapToInt(index::get).toArray();
            succs[i] = succ.get(order.get(i)).stream().mapToInt(index::get).toArray();
        }
        return new Graph(List.copyOf(order), Map.copyOf(index), preds, succs, requires);
    }

    int size() {
        return order.size();
    }
}

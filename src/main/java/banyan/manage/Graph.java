package banyan.manage;

import banyan.config.Dependencies;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * The service graph, precomputed for the transition loop: for each service, what it is ordered
 * after (preds), what is ordered after it (succs), what it hard-requires, and one topological
 * order. The configuration was checked for cycles and unknown names when it was loaded; edges
 * to services that are not in the graph (being removed by a reload) are dropped here.
 */
record Graph(List<String> order, Map<String, List<String>> preds, Map<String, List<String>> succs,
             Map<String, List<String>> requires) {

    static Graph of(SequencedMap<String, Dependencies> deps) {
        Map<String, List<String>> preds = new HashMap<>(), succs = new HashMap<>(), requires = new HashMap<>();
        deps.keySet().forEach(n -> succs.put(n, new ArrayList<>()));
        deps.forEach((n, d) -> {
            List<String> p = d.ordering().stream().filter(deps::containsKey).toList();
            preds.put(n, p);
            p.forEach(x -> succs.get(x).add(n));
            requires.put(n, d.requires().stream().filter(deps::containsKey).toList());
        });
        // Kahn's algorithm, seeded in file order so that the order is stable.
        Map<String, Integer> left = new HashMap<>();
        ArrayDeque<String> ready = new ArrayDeque<>();
        deps.keySet().forEach(n -> {
            left.put(n, preds.get(n).size());
            if (preds.get(n).isEmpty()) ready.add(n);
        });
        List<String> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            String n = ready.poll();
            order.add(n);
            for (String s : succs.get(n)) if (left.merge(s, -1, Integer::sum) == 0) ready.add(s);
        }
        if (order.size() != deps.size()) throw new IllegalArgumentException("dependency cycle among " + deps.keySet());
        return new Graph(List.copyOf(order), Map.copyOf(preds), Map.copyOf(succs), Map.copyOf(requires));
    }
}

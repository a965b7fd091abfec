package banyan.manage;

import banyan.config.Cycles;
import banyan.config.Dependencies;
import banyan.manage.Transitions.Node;
import banyan.manage.Transitions.Phase;
import net.jqwik.api.*;

import java.util.*;

import static org.junit.jupiter.api.Assertions.*;

/**
 * For random DAGs, runs the planner to completion (services become ready or go down the moment
 * they are told) and checks the order against every edge; and checks that cycles are always caught.
 */
class TransitionsProperties {
    record Dag(LinkedHashMap<String, Dependencies> deps) {
        @Override
        public String toString() {
            return deps.toString();
        }
    }

    @Provide
    Arbitrary<Dag> dags() {
        return Arbitraries.integers().between(1, 40).flatMap(n -> Arbitraries.longs().map(seed -> {
            Random r = new Random(seed);
            LinkedHashMap<String, Dependencies> deps = new LinkedHashMap<>();
            List<String> names = new ArrayList<>();
            for (int i = 0; i < n; i++) names.add("s" + i);
            Collections.shuffle(names, r); // file order differs from the topological order
            for (String s : names) deps.put(s, Dependencies.NONE);
            for (int i = 0; i < n; i++) { // edges only from higher to lower index: acyclic
                List<String> req = new ArrayList<>(), wants = new ArrayList<>(), after = new ArrayList<>();
                for (int j = 0; j < i; j++) {
                    int k = r.nextInt(10);
                    if (k == 0) req.add("s" + j);
                    else if (k == 1) wants.add("s" + j);
                    else if (k == 2) after.add("s" + j);
                }
                deps.put("s" + i, new Dependencies(req, wants, after));
            }
            return new Dag(deps);
        }));
    }

    @Example
    void aStaleDependentIsStoppedThenStartedAgainOnceItsRequirementIsReady() {
        LinkedHashMap<String, Dependencies> deps = new LinkedHashMap<>();
        deps.put("db", Dependencies.NONE);
        deps.put("app", new Dependencies(List.of("db"), List.of(), List.of()));
        deps.put("web", new Dependencies(List.of("app"), List.of(), List.of()));
        Graph g = Graph.of(deps);
        Map<String, Node> nodes = new HashMap<>(Map.of("db", new Node(Phase.READY, true, false, false),
                "app", new Node(Phase.READY, true, false, false, true), "web", new Node(Phase.READY, true, false, false)));
        assertEquals(Map.of("start", List.of(), "stop", List.of("web")), Transitions.decide(g, nodes), "web first: it requires app");
        nodes.put("web", new Node(Phase.DOWN, true, true, false));
        assertEquals(Map.of("start", List.of(), "stop", List.of("app")), Transitions.decide(g, nodes));
        nodes.put("app", new Node(Phase.DOWN, true, true, false));
        assertEquals(Map.of("start", List.of("app"), "stop", List.of()), Transitions.decide(g, nodes));
    }

    @Property(tries = 300)
    void upRespectsEveryEdgeAndDownIsItsReverse(@ForAll("dags") Dag dag) {
        Graph g = Graph.of(dag.deps());
        Map<String, Node> nodes = new HashMap<>();
        dag.deps().keySet().forEach(n -> nodes.put(n, new Node(Phase.DOWN, true, true, false)));
        List<String> upOrder = run(g, nodes, true);
        assertEquals(dag.deps().size(), upOrder.size(), "everything came up");
        for (var e : dag.deps().entrySet())
            for (String p : e.getValue().ordering())
                assertTrue(upOrder.indexOf(p) < upOrder.indexOf(e.getKey()), p + " before " + e.getKey() + " in " + upOrder);

        nodes.replaceAll((n, x) -> new Node(x.phase(), false, false, false));
        List<String> downOrder = run(g, nodes, false);
        assertEquals(dag.deps().size(), downOrder.size(), "everything went down");
        for (var e : dag.deps().entrySet())
            for (String p : e.getValue().ordering())
                assertTrue(downOrder.indexOf(p) > downOrder.indexOf(e.getKey()), e.getKey() + " stops before " + p + " in " + downOrder);
    }

    @Property(tries = 300)
    void downIsTheReverseEvenThroughServicesThatFailed(@ForAll("dags") Dag dag, @ForAll Random random) {
        Graph g = Graph.of(dag.deps());
        Map<String, Node> nodes = new HashMap<>();
        dag.deps().keySet().forEach(n -> nodes.put(n, new Node(Phase.DOWN, true, true, false)));
        run(g, nodes, true);
        Set<String> failed = new HashSet<>();
        for (String n : dag.deps().keySet()) if (random.nextInt(4) == 0) failed.add(n);
        nodes.replaceAll((n, x) -> new Node(failed.contains(n) ? Phase.FAILED : x.phase(), false, false, false));
        List<String> downOrder = run(g, nodes, false);
        // for every running pair joined by a path of edges, through failed services too, the later one stops first
        Map<String, Set<String>> after = new HashMap<>();
        for (String n : g.order().reversed()) {
            Set<String> a = new HashSet<>();
            for (int s : g.succs()[g.index().get(n)]) {
                a.add(g.order().get(s));
                a.addAll(after.get(g.order().get(s)));
            }
            after.put(n, a);
        }
        for (String p : downOrder)
            for (String s : after.get(p))
                if (!failed.contains(s))
                    assertTrue(downOrder.indexOf(s) < downOrder.indexOf(p), s + " stops before " + p + " in " + downOrder + ", failed " + failed);
    }

    @Property(tries = 200)
    void aFailureSkipsOnlyWhatRequiresIt(@ForAll("dags") Dag dag, @ForAll Random random) {
        Graph g = Graph.of(dag.deps());
        List<String> names = new ArrayList<>(dag.deps().keySet());
        String broken = names.get(random.nextInt(names.size()));
        Map<String, Node> nodes = new HashMap<>();
        names.forEach(n -> nodes.put(n, new Node(Phase.DOWN, true, true, false)));
        // Run until nothing more starts; the broken one fails the moment it is started.
        for (int round = 0; round < 10_000; round++) {
            var d = Transitions.decide(g, nodes);
            if (d.get("start").isEmpty()) break;
            for (String s : d.get("start")) nodes.put(s, new Node(s.equals(broken) ? Phase.FAILED : Phase.READY, true, false, false));
        }
        Set<String> dependents = new HashSet<>(Set.of(broken));
        for (String n : g.order())
            if (dag.deps().get(n).requires().stream().anyMatch(dependents::contains)) dependents.add(n);
        for (String n : names) {
            Phase p = nodes.get(n).phase();
            if (n.equals(broken)) assertEquals(Phase.FAILED, p);
            else if (dependents.contains(n)) {
                assertEquals(Phase.DOWN, p, n + " requires the broken " + broken);
                String why = Transitions.blocked(g, Transitions.array(g, nodes))[g.index().get(n)];
                assertTrue(why != null && why.startsWith("skipped"), why);
            } else assertEquals(Phase.READY, p, n + " does not require " + broken);
        }
    }

    @Property(tries = 300)
    void cyclesAreAlwaysCaught(@ForAll("dags") Dag dag, @ForAll Random random) {
        List<String> names = new ArrayList<>(dag.deps().keySet());
        Map<String, List<String>> edges = new HashMap<>();
        dag.deps().forEach((n, d) -> edges.put(n, new ArrayList<>(d.ordering())));
        assertTrue(Cycles.find(edges).isEmpty());
        // Close a path back on itself: pick any edge chain's endpoints, or a self-loop.
        String a = names.get(random.nextInt(names.size()));
        String b = reachableFrom(a, edges, random);
        edges.get(b).add(a);
        List<String> cycle = Cycles.find(edges).orElseThrow();
        assertEquals(cycle.getFirst(), cycle.getLast());
        for (int i = 0; i + 1 < cycle.size(); i++) assertTrue(edges.get(cycle.get(i)).contains(cycle.get(i + 1)), "a real edge");
    }

    private static String reachableFrom(String a, Map<String, List<String>> edges, Random random) {
        String at = a;
        while (!edges.get(at).isEmpty() && random.nextBoolean()) at = edges.get(at).get(random.nextInt(edges.get(at).size()));
        return at;
    }

    /** Applies decisions until none is left; each started service is ready (or stopped one down) at once. */
    private static List<String> run(Graph g, Map<String, Node> nodes, boolean up) {
        List<String> order = new ArrayList<>();
        for (int round = 0; round < 10_000; round++) {
            var d = Transitions.decide(g, nodes);
            List<String> moved = up ? d.get("start") : d.get("stop");
            assertTrue(up ? d.get("stop").isEmpty() : d.get("start").isEmpty(), "no move the other way");
            if (moved.isEmpty()) return order;
            for (String s : moved) {
                Node x = nodes.get(s);
                nodes.put(s, new Node(up ? Phase.READY : Phase.DOWN, x.wanted(), false, false));
                order.add(s);
            }
        }
        throw new AssertionError("did not settle");
    }
}

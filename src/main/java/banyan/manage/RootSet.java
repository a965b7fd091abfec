package banyan.manage;

import banyan.config.RootConfig;
import banyan.config.StackConfig;
import banyan.roots.RootState;
import banyan.roots.RootStatus;
import banyan.roots.Roots;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The roots of a stack: one supervisor for every root the configuration defines, made when the
 * stack is (or when a reload adds the root), and acquired only while a wanted service lives on it
 * (the graph starts it). The roots directory is prepared at the first root, so a configuration
 * without roots needs no privilege. Where it cannot be (not root), every root is failed and says why.
 */
final class RootSet {
    private final Path base;
    private final Roots.Listener listener;
    private Roots roots;                                               // stack thread: made at the first root
    private String whyNot;                                             // stack thread: why roots cannot be had here
    private final Map<String, RootNode> nodes = new LinkedHashMap<>(); // stack thread
    private volatile Map<String, RootNode> snapshot = Map.of();        // for readers on other threads

    /** @param changed the stack's own hearing of a change, after rootsAt's listener (which must not block) */
    RootSet(RootsAt rootsAt, Roots.Listener changed) {
        this.base = rootsAt.base();
        this.listener = new Roots.Listener() {
            @Override
            public void changed(RootStatus before, RootStatus now) {
                get(now.name()).ifPresent(n -> n.heard(before, now));
                try {
                    rootsAt.listener().changed(before, now);
                } finally {
                    changed.changed(before, now);
                }
            }

            @Override
            public void note(String root, String text) {
                rootsAt.listener().note(root, text);
            }
        };
    }

    /**
     * Stack thread. A root that stopped being up without the stack releasing it was lost: every
     * service on it, and what requires them, is killed at once (not in order: they cannot work
     * without it); each stays pending and starts again in order once the root is up.
     */
    static void lost(Graph graph, Vertex[] byIndex, RootNode root, RootStatus before, RootStatus now) {
        if (root == null || !before.up() || now.up() || root.released) return;
        boolean[] hit = new boolean[graph.size()];
        hit[graph.index().get(RootNode.key(now.name()))] = true;
        for (int i = 0; i < hit.length; i++) {
            for (int r : graph.requires()[i]) hit[i] |= hit[r];
            if (!hit[i] || !(byIndex[i] instanceof Entry e) || !e.observed().state().isRunning()) continue;
            e.stop(); // first, so that the death is not taken for a crash to restart from
            e.supervisor.killNow();
        }
    }

    /** Stack thread: the services wanted but down because their root is not up, and what the root does. */
    Map<String, String> waiting(java.util.Collection<Entry> entries, Map<String, String> before, RemoteSet remotes) {
        Map<String, String> w = new java.util.HashMap<>();
        for (Entry e : entries) {
            if (!e.wanted || e.config.root().isEmpty()) continue;
            RootStatus st = nodes.get(e.config.root().get().root()).status();
            if (!st.up()) w.put(e.config.name(), "waiting for root " + st.name() + " (" + st.state() + st.source().map(x -> " " + x).orElse("")
                    + (st.reason().isEmpty() ? "" : ": " + st.reason()) + ")");
        }
        remotes.waiting(entries, w);
        return w.equals(before) ? before : Map.copyOf(w);
    }

    /**
     * Stack thread: a root is wanted while a wanted service lives on it, or a service still runs there (one a reload moves);
     * the core while banyan is not going down (keepCore), so a shell always has it.
     */
    void refresh(java.util.Collection<Entry> entries, boolean keepCore) {
        java.util.Set<String> used = new java.util.HashSet<>();
        for (Entry e : entries) {
            if (e.wanted && !e.removing) e.config.root().ifPresent(r -> used.add(r.root()));
            if (!e.settledDown()) e.supervisor.config().root().ifPresent(r -> used.add(r.root()));
        }
        if (keepCore) used.add(CORE);
        nodes.values().forEach(r -> r.refresh(used.contains(r.name) && !r.removing));
    }

    /** Stack thread: whether a service still runs on root (with the configuration its supervisor has). */
    private static boolean busy(java.util.Collection<Entry> entries, String root) {
        for (Entry e : entries)
            if (!e.settledDown() && e.supervisor.config().root().map(r -> r.root().equals(root)).orElse(false)) return true;
        return false;
    }

    /**
     * Stack thread: a root a reload changed or dropped, once nothing runs on it and it is down, is
     * replaced by a supervisor of its new definition, or forgotten. A failed one is stopped first
     * (the graph stops only what serves or is being acquired). True when the graph must be rebuilt.
     */
    boolean swap(java.util.Collection<Entry> entries) {
        boolean changed = false;
        for (var it = nodes.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            RootNode n = entry.getValue();
            if (!n.swapDue() || busy(entries, n.name)) continue;
            Transitions.Phase p = n.phase();
            if (p == Transitions.Phase.FAILED) n.stop();
            if (p != Transitions.Phase.DOWN) continue;
            n.supervisor.ifPresent(banyan.roots.RootSupervisor::close); // its thread ends by itself, now that it is down
            if (n.removing) it.remove();
            else entry.setValue(new RootNode(n.replacement.get(), open(n.replacement.get()), whyNot == null ? "" : whyNot)); // same place in the order
            changed = true;
        }
        if (changed) snapshot = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(nodes));
        return changed;
    }

    /** A service down while it waits for its root says so. */
    static banyan.supervise.ServiceStatus shown(banyan.supervise.ServiceStatus s, Map<String, String> waiting) {
        String why = waiting.get(s.name());
        if (why == null || s.state() != banyan.supervise.ServiceState.DOWN) return s;
        return new banyan.supervise.ServiceStatus(s.name(), s.state(), s.ready(), s.pid(), s.restarts(), s.since(), s.lastExit(), why,
                s.statusText());
    }

    /** Any thread: the root a reroot names, once it is known to have source. */
    static final String CORE = "core";

    RootNode check(String name, Optional<String> source) {
        RootNode n = get(name).orElseThrow(() -> new IllegalArgumentException("no root named '" + name + "'"
                + (snapshot.isEmpty() ? "; the configuration has none" : "; roots: " + String.join(", ", snapshot.keySet()))));
        source.ifPresent(src -> n.config.indexOf(src).orElseThrow(() -> new IllegalArgumentException("root " + name + " has no source '" + src
                + "'; its sources: " + String.join(", ", n.config.sources().stream().map(RootConfig.Source::name).toList()))));
        if (n.supervisor.isEmpty()) throw new IllegalArgumentException(n.status().reason());
        if (name.equals(CORE)) throw new IllegalArgumentException("the core root has one source, its copy into RAM: it is never rerooted");
        return n;
    }

    /**
     * Makes a supervisor for each root of config that has none yet, and marks those config changes
     * or drops (swap carries it out); the stack thread, or its constructor. A root that comes back
     * as it runs is kept.
     */
    void add(StackConfig config) {
        for (RootNode n : nodes.values()) {
            RootConfig c = config.roots().get(n.name);
            n.removing = c == null;
            n.replacement = c == null || c.sameAs(n.config) ? Optional.empty() : Optional.of(c);
        }
        for (RootConfig c : config.roots().values()) {
            RootNode n = nodes.get(c.name());
            if (n != null) continue;
            nodes.put(c.name(), new RootNode(c, open(c), whyNot == null ? "" : whyNot));
        }
        snapshot = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(nodes));
    }

    private Optional<banyan.roots.RootSupervisor> open(RootConfig c) {
        if (roots == null && whyNot == null) {
            try {
                roots = new Roots(base, listener);
            } catch (IllegalStateException e) {
                whyNot = "roots cannot be had here: " + e.getMessage();
                System.err.println("banyan: " + whyNot);
            }
        }
        return roots == null ? Optional.empty() : Optional.of(roots.supervise(c));
    }

    Map<String, RootNode> nodes() {
        return nodes;
    }

    /** Any thread. */
    Optional<RootNode> get(String name) {
        return Optional.ofNullable(snapshot.get(name));
    }

    /** Any thread: in the file's order. */
    List<RootStatus> statuses() {
        return snapshot.values().stream().map(RootNode::status).toList();
    }

    /** Down, or failed (it tries again by itself until stopped). */
    boolean allSettled() {
        return nodes.values().stream().allMatch(n -> n.shown() == Transitions.Phase.DOWN || n.shown() == Transitions.Phase.FAILED);
    }

    /** Stops every root and ends its supervisor, each within limit: at the end, once no service is left on any. */
    void close(Duration limit) throws InterruptedException {
        List<banyan.roots.RootSupervisor> all = snapshot.values().stream().flatMap(n -> n.supervisor.stream()).toList();
        all.forEach(banyan.roots.RootSupervisor::stop);
        for (var s : all) if (!s.await(st -> st.state() == RootState.DOWN, limit))
            System.err.println("banyan: root " + s.name() + " is still " + s.status().state() + " after " + limit.toSeconds() + "s: left as it is");
        for (var s : all) s.close(Duration.ofSeconds(1));
    }
}

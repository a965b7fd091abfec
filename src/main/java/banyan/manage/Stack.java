package banyan.manage;

import banyan.config.Dependencies;
import banyan.config.ServiceConfig;
import banyan.config.StackConfig;
import banyan.manage.Transitions.Node;
import banyan.manage.Transitions.Phase;
import banyan.roots.RootStatus;
import banyan.supervise.Host;
import banyan.supervise.ServiceState;
import banyan.supervise.ServiceStatus;
import banyan.supervise.Supervisor;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The running services of one configuration, moved between states along the dependency graph.
 * One virtual thread ("stack") owns every field marked "stack thread": requests and state
 * changes arrive in its inbox, and after each batch it asks {@link Transitions#decide} what to
 * start and stop. No transition sleeps: each step waits for the state change it needs.
 */
public final class Stack {
    private final Host host;
    private final Inbox inbox = new Inbox();
    private final Map<String, Entry> entries = new LinkedHashMap<>(); // stack thread
    private Graph graph;                                               // stack thread
    private Vertex[] byIndex;                                          // stack thread: services and roots in the graph's order
    private final RootSet roots;
    private final RemoteSet remotes = new RemoteSet(inbox::wake);      // peers' services, followed off the stack thread
    private volatile Map<String, String> waiting = Map.of();          // written by the stack thread: services down until their root is up, and why
    private volatile StackConfig config;                               // written by the stack thread: the file in force
    private volatile List<Supervisor> supervisors = List.of();         // a snapshot for readers on other threads
    private final Waiters waiters = new Waiters(inbox);               // tested on the stack thread after each decision
    private long pass;                                                 // stack thread: decisions made so far
    private boolean swaps;                                             // stack thread: a reload left services to remove or replace
    private boolean goingDown;                                         // stack thread: down() was asked; nothing starts any more
    private final Retired retired = new Retired();                    // closed for a reload, until their threads end

    /** What a reload did, against the configuration in force before it. */
    public record Diff(List<String> added, List<String> removed, List<String> changed, List<String> unchanged) {}

    /** A reload asked for once the stack is going down: nothing of it was applied. */
    public static final class GoingDown extends Exception {
        GoingDown() { super("banyan is stopping: the reload was not applied"); }
    }

    public Stack(StackConfig config, Host host) { this(config, host, RootsAt.DEFAULT); }

    public Stack(StackConfig config, Host host, RootsAt rootsAt) {
        Host.Listener outer = host.listener();
        this.host = new Host(host.baseEnv(), host.cgroupParent(), host.execHelper(), host.pump(), host.output(), (before, now) -> {
            try {
                outer.changed(before, now);
            } finally {
                inbox.wake(); // also when the listener throws: the stack must see the change
            }
        }, rootsAt.base());
        this.config = config;
        this.roots = new RootSet(rootsAt, (before, now) -> inbox.note(() -> rootChanged(before, now)));
        roots.add(config);
        remotes.peers.apply(config.grid());
        for (ServiceConfig s : config.services().values()) entries.put(s.name(), new Entry(new Supervisor(s, this.host).open()));
        rebuild();
        Thread.ofVirtual().name("stack").start(this::run);
    }

    /** Brings the boot target up ([boot].target; with no targets, every service), in parallel along the graph. */
    public void up() {
        inbox.command(() -> {
            if (goingDown) return;
            Set<String> target = config.closure(config.bootTarget());
            entries.forEach((n, e) -> {
                if (target.contains(n) && !e.wanted) e.pending = true;
                e.wanted = target.contains(n);
            });
        });
    }

    /**
     * Starts one service (and, through the graph, what it requires); it then stays wanted. One
     * waiting out its backoff starts now: its requirements are up, or it would have been stopped.
     */
    public void start(String name) {
        inbox.command(() -> {
            if (goingDown) return;
            want(name, new HashSet<>());
            Entry e = entries.get(name);
            if (e != null && !e.removing && e.observed().state() == ServiceState.BACKOFF) e.start();
        });
    }

    /**
     * Restarts one service: a new instance, after which what requires it restarts too (it is stale,
     * see observe). One that is not running is simply started.
     */
    public void restart(String name) {
        inbox.command(() -> {
            Entry e = entries.get(name);
            if (goingDown || e == null || e.removing) return;
            ServiceState st = e.observed().state();
            if ((st.isRunning() || st == ServiceState.DONE) && !e.startSent()) { // a finished oneshot runs again
                e.supervisor.restart();
                return;
            }
            want(name, new HashSet<>());
            if (st == ServiceState.BACKOFF) e.start();
        });
    }

    /** Sends a signal to the service's main process, in order with the requests before it. */
    public void signal(String name, int signal) {
        inbox.command(() -> {
            Entry e = entries.get(name);
            if (e != null) e.supervisor.signal(signal);
        });
    }

    /** Stops one service after everything that requires it. */
    public void stop(String name) {
        inbox.command(() -> {
            Entry e = entries.get(name);
            if (e != null) e.wanted = e.pending = false;
        });
    }

    private void want(String name, Set<String> seen) {
        Entry e = entries.get(name);
        if (e == null || e.removing || !seen.add(name)) return; // removing: the file in force has no such service
        if (!e.wanted || e.supervisor.status().state() == ServiceState.FAILED) e.pending = true;
        e.wanted = true;
        e.config.deps().requires().forEach(r -> want(r, seen));
        e.config.deps().wants().forEach(r -> want(r, seen));
    }

    /**
     * Waits until every wanted service is up, failed, or skipped because a requirement failed,
     * and returns each one's outcome ("ready", "failed: reason", "skipped: requires x (failed)");
     * empty on timeout, or once the stack is going down.
     */
    public Optional<Map<String, String>> awaitUp(Duration timeout) throws InterruptedException {
        Map<String, String> out = new LinkedHashMap<>();
        boolean[] cut = {false};
        boolean done = waiters.await(() -> {
            if (goingDown) return cut[0] = true; // no bring-up left to report
            Node[] nodes = nodes();
            String[] why = Transitions.blocked(graph, nodes);
            for (int i = 0; i < nodes.length; i++) // first only whether it is over: this runs after every decision
                if (nodes[i].wanted() && !(nodes[i].phase() == Phase.READY && !nodes[i].pending()) && why[i] == null) return false;
            out.clear();
            for (int i = 0; i < nodes.length; i++) {
                if (!nodes[i].wanted() || !(byIndex[i] instanceof Entry e)) continue; // a root is reported through its services
                String name = graph.order().get(i);
                if (nodes[i].phase() == Phase.READY && !nodes[i].pending()) out.put(name, "ready");
                else out.put(name, why[i].equals("failed") ? "failed: " + e.supervisor.status().reason() : why[i]);
            }
            return true;
        }, timeout);
        return done && !cut[0] ? Optional.of(Map.copyOf(out)) : Optional.empty();
    }

    /**
     * Stops every service in the reverse order of the graph (parallel where independent), then ends
     * the supervisors. From the moment it is called, reloads are refused and starts ignored.
     */
    public void down() throws InterruptedException {
        inbox.command(() -> {
            goingDown = true;
            entries.values().forEach(e -> e.wanted = e.pending = false);
        });
        long limit = 10;
        for (Supervisor s : supervisors) // SIGKILL at each stop_timeout (a logger: after draining, then TERM); the rest is slack
            limit += s.config().stopTimeout().toSeconds() * (s.config().logger().isPresent() ? 3 : 1) + 5;
        waiters.await(() -> entries.values().stream().allMatch(e -> e.supervisor.status().state().isDown())
                && retired.allDown() && roots.allSettled(), Duration.ofSeconds(limit));
        supervisors.forEach(Supervisor::close);
        supervisors.forEach(Supervisor::awaitClosed); // each removes its own cgroup; the caller then removes the parent
        retired.awaitClosed();
        roots.close(Duration.ofSeconds(10)); // released after their services: a failed one is stopped here
        remotes.peers.close();
    }

    /**
     * Applies a new, already validated configuration by diff: added services start (if in the
     * boot target), removed ones stop, changed ones restart together with what requires them,
     * and unchanged ones keep running untouched (same pid). Reloads are applied one at a time on
     * the stack thread, in the order they arrive, each against what the one before left (services
     * still being stopped or replaced included), so the stack ends in the state of the last one.
     */
    public Diff reload(StackConfig next) throws InterruptedException, GoingDown {
        CompletableFuture<Diff> result = new CompletableFuture<>();
        inbox.command(() -> {
            if (goingDown) result.completeExceptionally(new GoingDown());
            else try {
                result.complete(applyReload(next));
            } catch (RuntimeException e) {
                result.completeExceptionally(e); // the caller must not wait forever; the loop reports it too
                throw e;
            }
        });
        try {
            return result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GoingDown g) throw g;
            throw new IllegalStateException(e.getCause());
        }
    }

    private Diff applyReload(StackConfig next) {
        Diff diff = ReloadDiff.apply(entries, next, c -> new Entry(new Supervisor(c, host).open()));
        config = next;
        roots.add(next);
        remotes.peers.apply(next.grid());
        swaps = entries.values().stream().anyMatch(Entry::swapDue);
        rebuild();
        return diff;
    }

    private void rootChanged(RootStatus before, RootStatus now) {
        RootSet.lost(graph, byIndex, roots.nodes().get(now.name()), before, now);
    }

    /** The roots, in the file's order; how long the last acquisition of one took (acquiring to up; -1 before any). */
    public List<RootStatus> roots() {
        return roots.statuses();
    }

    public Host host() { return host; } // where roots are seen, and the exec step that enters one (a shell on the core)
    /** The peers, in the file's order, as their followers last saw them. */
    public List<banyan.grid.PeerStatus> peers() {
        return remotes.statuses();
    }

    public double acquireSeconds(String root) {
        return roots.get(root).map(RootNode::acquireSeconds).orElse(-1.0);
    }

    /**
     * A clean switch of a root to source (empty: the first): what lives on it stops in reverse order,
     * the switch, and they start again in order. An unknown root or source: IllegalArgumentException.
     */
    public void reroot(String name, Optional<String> source) {
        RootNode n = roots.check(name, source);
        inbox.command(() -> n.askReroot(source));
    }

    /** SIGKILL to every service at once. */
    public void killNow() {
        supervisors.forEach(Retired::kill);
        retired.killNow();
    }

    /** The configuration in force (the last reload's), for readers on any thread. */
    public StackConfig config() { return config; }

    /** The supervisor now running the service (tests, and readers in this package); others ask by name below. */
    public Optional<Supervisor> get(String name) {
        return supervisors.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** The service's status, empty when the file in force has no such service. */
    public Optional<ServiceStatus> status(String name) {
        return get(name).map(s -> RootSet.shown(s.status(), waiting));
    }

    /** The configuration the service runs with now (a reload replaces it once the old one is down). */
    public Optional<ServiceConfig> config(String name) {
        return get(name).map(Supervisor::config);
    }

    /** Waits until the service's status satisfies condition; false on timeout or when there is no such service. */
    public boolean await(String name, java.util.function.Predicate<ServiceStatus> condition, Duration timeout) throws InterruptedException {
        Optional<Supervisor> s = get(name);
        return s.isPresent() && s.get().await(condition, timeout);
    }

    public List<ServiceStatus> statuses() {
        return supervisors.stream().map(s -> RootSet.shown(s.status(), waiting)).toList();
    }

    private void run() {
        while (true) {
            try {
                inbox.take().run();
                // A burst of changes costs one decision: let the other threads that are ready to run
                // (supervisors in the middle of a bring-up) post theirs first. A pass reads every service.
                Thread.yield();
                for (Runnable r; (r = inbox.poll()) != null; ) r.run();
                reconcile();
                waiters.test();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // a bug here must stop neither the services nor later decisions: say it, and decide again on the next change
                System.err.println("banyan: stack: internal error, carrying on: " + e);
            }
        }
    }

    private void reconcile() {
        if (swaps) {
            int[] done = ReloadDiff.swap(entries, retired, c -> new Supervisor(c, host).open());
            swaps = done[1] > 0;
            if (done[0] > 0) rebuild();
        }
        if (roots.swap(entries.values())) rebuild();
        retired.stopWhatRuns();
        pass++;
        for (Vertex e : byIndex) e.observe(pass);
        Transitions.Decision d = Transitions.decide(graph, nodes());
        for (int i : d.stop()) byIndex[i].stop();
        for (int i : d.start()) byIndex[i].start();
        waiting = roots.waiting(entries.values(), waiting, remotes);
    }

    private Node[] nodes() {
        roots.refresh(entries.values(), !goingDown);
        Node[] out = new Node[byIndex.length];
        for (int i = 0; i < out.length; i++) {
            Vertex e = byIndex[i];
            out[i] = new Node(e.phase(), e.wanted, e.pending, e.holding(), Vertex.stale(graph, byIndex, i));
        }
        return out;
    }

    private void rebuild() {
        var deps = new LinkedHashMap<String, Dependencies>();
        roots.nodes().keySet().forEach(r -> deps.put(RootNode.key(r), Dependencies.NONE));
        entries.forEach((n, e) -> deps.put(n, RootNode.edges(e.config)));
        remotes.rebuild(entries.values(), config.grid(), deps);
        graph = Graph.of(deps);
        byIndex = graph.order().stream().map(n -> n.startsWith("root:") ? roots.nodes().get(n.substring(5))
                : entries.containsKey(n) ? entries.get(n) : remotes.get(n)).toArray(Vertex[]::new);
        supervisors = entries.values().stream().map(e -> e.supervisor).toList();
    }
}

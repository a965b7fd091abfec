package banyan.manage;

import banyan.config.Dependencies;
import banyan.config.ServiceConfig;
import banyan.config.StackConfig;
import banyan.manage.Transitions.Node;
import banyan.manage.Transitions.Phase;
import banyan.supervise.Host;
import banyan.supervise.ServiceState;
import banyan.supervise.ServiceStatus;
import banyan.supervise.Supervisor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The running services of one configuration, moved between states along the dependency graph.
 * One virtual thread ("stack") owns every field marked "stack thread": requests and state
 * changes arrive in its inbox, and after each batch it asks {@link Transitions#decide} what to
 * start and stop. No transition sleeps: each step waits for the state change it needs.
 */
public final class Stack {
    private final Host host;
    private final LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
    private final Map<String, Entry> entries = new LinkedHashMap<>(); // stack thread
    private Graph graph;                                               // stack thread
    private Entry[] byIndex;                                           // stack thread: entries in the graph's order
    private volatile StackConfig config;                               // written by the stack thread: the file in force
    private volatile List<Supervisor> supervisors = List.of();         // a snapshot for readers on other threads
    private final List<Waiter> waiters = new ArrayList<>();            // stack thread: tested after each decision
    private long pass;                                                 // stack thread: decisions made so far
    private boolean swaps;                                             // stack thread: a reload left services to remove or replace
    private boolean goingDown;                                         // stack thread: down() was asked; nothing starts any more
    private final Retired retired = new Retired();                    // closed for a reload, until their threads end

    private record Waiter(BooleanSupplier condition, CompletableFuture<Void> done) {}

    /** What a reload did, against the configuration in force before it. */
    public record Diff(List<String> added, List<String> removed, List<String> changed, List<String> unchanged) {}

    /** A reload asked for once the stack is going down: nothing of it was applied. */
    public static final class GoingDown extends Exception {
        GoingDown() { super("banyan is stopping: the reload was not applied"); }
    }

    public Stack(StackConfig config, Host host) {
        Host.Listener outer = host.listener();
        this.host = new Host(host.baseEnv(), host.cgroupParent(), host.execHelper(), host.pump(), host.output(), (before, now) -> {
            try {
                outer.changed(before, now);
            } finally {
                inbox.offer(() -> {}); // a listener that throws must not hide the change from the stack
            }
        });
        this.config = config;
        for (ServiceConfig s : config.services().values()) entries.put(s.name(), new Entry(new Supervisor(s, this.host).open()));
        rebuild();
        Thread.ofVirtual().name("stack").start(this::run);
    }

    /** Brings the boot target up ([boot].target; with no targets, every service), in parallel along the graph. */
    public void up() {
        inbox.offer(() -> {
            if (goingDown) return;
            Set<String> target = config.closure(config.bootTarget());
            entries.forEach((n, e) -> {
                if (target.contains(n) && !e.wanted) e.pending = true;
                e.wanted = target.contains(n);
            });
        });
    }

    /** Starts one service (and, through the graph, what it requires); it then stays wanted. */
    public void start(String name) {
        inbox.offer(() -> {
            if (!goingDown) want(name, new HashSet<>());
        });
    }

    /** Stops one service after everything that requires it. */
    public void stop(String name) {
        inbox.offer(() -> {
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
        boolean done = awaitStack(() -> {
            if (goingDown) return cut[0] = true; // no bring-up left to report
            Node[] nodes = nodes();
            String[] why = Transitions.blocked(graph, nodes);
            for (int i = 0; i < nodes.length; i++) // first only whether it is over: this runs after every decision
                if (nodes[i].wanted() && !(nodes[i].phase() == Phase.READY && !nodes[i].pending()) && why[i] == null) return false;
            out.clear();
            for (int i = 0; i < nodes.length; i++) {
                if (!nodes[i].wanted()) continue;
                String name = graph.order().get(i);
                if (nodes[i].phase() == Phase.READY && !nodes[i].pending()) out.put(name, "ready");
                else out.put(name, why[i].equals("failed") ? "failed: " + byIndex[i].supervisor.status().reason() : why[i]);
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
        inbox.offer(() -> {
            goingDown = true;
            entries.values().forEach(e -> e.wanted = e.pending = false);
        });
        long limit = 10;
        for (Supervisor s : supervisors) // SIGKILL at each stop_timeout (a logger: after draining, then TERM); the rest is slack
            limit += s.config().stopTimeout().toSeconds() * (s.config().logger().isPresent() ? 3 : 1) + 5;
        awaitStack(() -> entries.values().stream().allMatch(e -> e.supervisor.status().state().isDown())
                && retired.allDown(), Duration.ofSeconds(limit));
        supervisors.forEach(Supervisor::close);
        supervisors.forEach(Supervisor::awaitClosed); // each removes its own cgroup; the caller then removes the parent
        retired.awaitClosed();
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
        inbox.offer(() -> {
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
        List<String> added = new ArrayList<>(), removed = new ArrayList<>(), changed = new ArrayList<>(), same = new ArrayList<>();
        Set<String> target = next.closure(next.bootTarget());
        for (var en : entries.entrySet()) {
            ServiceConfig n = next.services().get(en.getKey());
            Entry e = en.getValue();
            if (n == null) {
                if (!e.removing) removed.add(en.getKey()); // else already on its way out: the file before dropped it
                e.removing = true;
                e.replacement = Optional.empty();
                e.wanted = e.pending = false;
                continue;
            }
            // Compared with what its supervisor runs: a replacement that a reload before asked for is
            // cancelled when this file brings the running config back.
            boolean keeps = n.sameAs(e.supervisor.config());
            (e.removing ? added : keeps ? same : changed).add(en.getKey());
            e.removing = false; // brought back before it was gone
            e.replacement = keeps ? Optional.empty() : Optional.of(n);
            e.config = n;
            boolean want = target.contains(en.getKey());
            e.pending = want && (e.pending || !e.wanted);
            e.wanted = want;
        }
        for (ServiceConfig s : next.services().values()) {
            if (entries.containsKey(s.name())) continue;
            added.add(s.name());
            Entry e = new Entry(new Supervisor(s, host).open());
            e.wanted = e.pending = target.contains(s.name());
            entries.put(s.name(), e);
        }
        config = next;
        swaps = entries.values().stream().anyMatch(Entry::swapDue);
        rebuild();
        return new Diff(added, removed, changed, same);
    }

    /** SIGKILL to every service at once. */
    public void killNow() {
        supervisors.forEach(Retired::kill);
        retired.killNow();
    }

    /** The configuration in force (the last reload's), for readers on any thread. */
    public StackConfig config() {
        return config;
    }

    public Optional<Supervisor> get(String name) {
        return supervisors.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public List<ServiceStatus> statuses() {
        List<ServiceStatus> out = new ArrayList<>();
        for (Supervisor s : supervisors) out.add(s.status());
        return out;
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
                waiters.removeIf(w -> w.condition().getAsBoolean() && w.done().complete(null));
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
        if (swaps) swap();
        retired.stopWhatRuns();
        observe();
        Transitions.Decision d = Transitions.decide(graph, nodes());
        for (int i : d.stop()) byIndex[i].stop();
        for (int i : d.start()) byIndex[i].start();
    }

    /** Closes removed services and replaces changed ones once they are down (a reload left them to do). */
    private void swap() {
        boolean swapped = false;
        swaps = false;
        for (var it = entries.entrySet().iterator(); it.hasNext(); ) {
            Entry e = it.next().getValue();
            if (!e.swapDue()) continue;
            if (!e.settledDown()) {
                swaps = true; // not yet: look again after the next change
                continue;
            }
            e.supervisor.close();
            retired.add(e.supervisor);
            if (e.removing) it.remove();
            else {
                e.supervisor.awaitClosed(); // its successor takes over the name and the cgroup
                e.supervisor = new Supervisor(e.replacement.get(), host).open();
                e.replacement = Optional.empty();
                e.pending = e.wanted;
            }
            swapped = true;
        }
        if (swapped) rebuild();
    }

    /**
     * Notes, for each service, the planner pass in which its current instance was first seen, and
     * first seen ready. A service whose instance is no newer than the ready instance of something
     * it requires is stale: both died (kill -9 -1) and restarted on their own, and the level
     * alone would not show that the requirement went away in between.
     */
    private void observe() {
        pass++;
        for (Entry e : byIndex) e.observe(pass);
    }

    private boolean stale(int i) {
        Entry e = byIndex[i];
        if (e.instance == -1) return false;
        for (int r : graph.requires()[i])
            if (byIndex[r].readyInstance != -1 && byIndex[r].readyPass >= e.seenPass) return true;
        return false;
    }

    private Node[] nodes() {
        Node[] out = new Node[byIndex.length];
        for (int i = 0; i < out.length; i++) {
            Entry e = byIndex[i];
            ServiceStatus st = e.observed();
            // Sent a command but not yet seen to move: stopping (nothing that requires it may start),
            // or starting (nothing counts it as exited).
            Phase phase = e.stopSent() ? Phase.STOPPING : e.startSent() ? Phase.STARTING : Phase.of(st.state());
            out[i] = new Node(phase, e.wanted, e.pending, e.swapDue(), stale(i));
        }
        return out;
    }

    private void rebuild() {
        var deps = new LinkedHashMap<String, Dependencies>();
        entries.forEach((n, e) -> deps.put(n, e.config.deps()));
        graph = Graph.of(deps);
        byIndex = graph.order().stream().map(entries::get).toArray(Entry[]::new);
        supervisors = entries.values().stream().map(e -> e.supervisor).toList();
    }

    /** Waits until condition, evaluated on the stack thread after each decision, holds; false on timeout. */
    private boolean awaitStack(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        Waiter w = new Waiter(condition, new CompletableFuture<>());
        inbox.offer(() -> waiters.add(w));
        try {
            w.done().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            inbox.offer(() -> waiters.remove(w));
            return false;
        }
    }
}

package banyan.roots;

import banyan.config.RootConfig;
import banyan.config.RootProbe;
import banyan.os.Fuse;
import banyan.os.MountHelper;
import banyan.os.MountTable;
import banyan.os.Mounts;
import banyan.os.OsException;
import banyan.os.Reaper;
import banyan.roots.Root.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Keeps one root: a virtual thread, named root-NAME, that blocks on one mailbox with one
 * deadline, feeds each event to {@link RootLifecycle#next} with the mount table as it is now,
 * and carries out the effects. Whatever may block on a mount (helpers, probes, moves, unmounts)
 * is a child process, killed at its deadline; this thread only spawns, signals, reads the mount
 * table and writes to fusectl, so a hung root never holds it. Fields marked "root thread" are
 * touched by that thread only.
 */
public final class RootSupervisor {
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final RootConfig config;
    private final Roots roots;
    private final Rules rules;
    private final Path place;
    private final String stagePrefix;
    private final Children children;
    private final LinkedBlockingQueue<Mail> mailbox = new LinkedBlockingQueue<>();
    private final ArrayDeque<Event> raised = new ArrayDeque<>(); // root thread: events its own effects raised
    private final Runnable onTable = () -> mailbox.offer(new Do(new Table()));
    private final Thread thread;
    private Memory memory = Memory.INITIAL;                       // root thread
    private volatile RootStatus status;                           // written by the root thread, read by anyone
    private RootStatus told;                                      // under this: the latest status every listener was told of

    private sealed interface Mail {}

    private record Do(Event event) implements Mail {}

    private record Ended(int job, Reaper.Exit exit) implements Mail {}

    private record Ask(CompletableFuture<String> answer) implements Mail {}

    private record Close() implements Mail {}

    RootSupervisor(RootConfig config, Roots roots) {
        this.config = config;
        this.roots = roots;
        this.place = roots.place(config.name());
        this.stagePrefix = config.name() + "." + INSTANCES.incrementAndGet() + ".";
        Optional<RootProbe> p = config.probe();
        this.rules = new Rules(config.sources().stream().map(RootConfig.Source::name).toList(),
                config.sources().stream().map(s -> s instanceof RootConfig.Command).toList(), p.isPresent(),
                p.map(x -> x.interval().toNanos()).orElse(0L), p.map(x -> x.timeout().toNanos()).orElse(0L),
                p.map(RootProbe::failures).orElse(1), config.acquireTimeout().toNanos(), config.failback());
        this.children = new Children(line -> note(line), (job, exit) -> mailbox.offer(new Ended(job, exit)));
        try { // not when mounted: a stat there would ask a filesystem that may hang (left by an earlier run)
            if (Roots.at(MountTable.read(), place).isEmpty()) Files.createDirectories(place);
        } catch (IOException e) {
            throw new IllegalStateException("cannot make " + place + ": " + e.getMessage(), e);
        }
        this.status = new RootStatus(config.name(), RootState.DOWN, Optional.empty(), Instant.now(), 0, "");
        this.told = status;
        MountWatcher.get().add(onTable);
        this.thread = Thread.ofVirtual().name("root-" + config.name()).start(this::run);
    }

    public String name() {
        return config.name();
    }

    public RootConfig config() {
        return config;
    }

    public RootStatus status() {
        return status;
    }

    /** Where the root is seen on the host while it is up. */
    public Path place() {
        return place;
    }

    public void start() {
        mailbox.offer(new Do(new Start()));
    }

    /** Releases the root (its mount detached) and ends in down. */
    public void stop() {
        mailbox.offer(new Do(new Stop()));
    }

    /**
     * Releases the root and acquires it again, from source (empty: the first of the list).
     *
     * @throws IllegalArgumentException naming the sources when there is none of that name
     */
    public void reroot(Optional<String> source) {
        Optional<Integer> index = source.map(s -> config.indexOf(s).orElseThrow(() -> new IllegalArgumentException("root " + config.name()
                + " has no source '" + s + "'; its sources: " + String.join(", ", rules.names()))));
        mailbox.offer(new Do(new Reroot(index)));
    }

    /** Waits until the status satisfies condition and every listener was told of it; false on timeout. */
    public boolean await(Predicate<RootStatus> condition, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (!condition.test(told)) {
                long left = end - System.nanoTime();
                if (left <= 0) return false;
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
    }

    /** Ends the supervisor once it is down (stop it first); waits up to limit for its thread. */
    public void close(Duration limit) throws InterruptedException {
        close();
        thread.join(limit);
    }

    /** Ends the supervisor once it is down, without waiting for its thread. */
    public void close() {
        mailbox.offer(new Close());
    }

    /** The state as the root thread sees it, answered by that thread: it shows the thread is free. */
    CompletableFuture<String> inspect() {
        CompletableFuture<String> f = new CompletableFuture<>();
        mailbox.offer(new Ask(f));
        return f;
    }

    private void run() {
        boolean closing = false;
        try {
            while (!(closing && memory.state() instanceof Down && raised.isEmpty())) {
                Event e = raised.poll();
                if (e == null && RootLifecycle.due(memory.state().deadline(), System.nanoTime())) e = new Timeout();
                if (e == null) {
                    long deadline = memory.state().deadline();
                    Mail mail = deadline == Long.MAX_VALUE ? mailbox.take() : mailbox.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                    switch (mail) {
                        case null -> { }
                        case Do d -> e = d.event();
                        case Ended x -> e = ended(x);
                        case Ask a -> a.answer().complete(memory.state().toString());
                        case Close c -> closing = true;
                    }
                }
                if (e != null) apply(e);
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        } finally {
            MountWatcher.get().remove(onTable);
        }
    }

    private void apply(Event e) {
        try {
            Step step = RootLifecycle.next(rules, memory, e, seen(), System.nanoTime(), ThreadLocalRandom.current().nextDouble());
            memory = step.memory();
            for (Effect f : step.effects()) perform(f);
        } catch (RuntimeException x) {
            // A bug here must not end this root or the others: say so, and handle the next event.
            note("supervisor error, carrying on: " + x);
            java.util.concurrent.locks.LockSupport.parkNanos(100_000_000);
        }
        publish();
    }

    /** The mount table at the root's place and at the current attempt's stage, read now. */
    private Seen seen() {
        List<MountTable.Entry> table = MountTable.read();
        Optional<Mnt> staged = stageOf(memory.state()).flatMap(n -> Roots.at(table, stage(n))).map(RootSupervisor::mnt);
        return new Seen(Roots.at(table, place).map(RootSupervisor::mnt), staged);
    }

    private static Mnt mnt(MountTable.Entry e) {
        return new Mnt(e.id(), e.fuse(), e.minor());
    }

    private static Optional<Integer> stageOf(State s) {
        return switch (s) {
            case Acquiring a -> Optional.of(a.attempt().stage());
            case Up u -> u.trial().map(t -> t.attempt().stage());
            case Releasing r -> r.then() instanceof ToTrial t ? Optional.of(t.attempt().stage()) : Optional.empty();
            default -> Optional.empty();
        };
    }

    private Path stage(int n) {
        return n == 0 ? place : roots.stages().resolve(stagePrefix + n);
    }

    private void perform(Effect f) {
        switch (f) {
            case Mount m -> mount(m);
            case Root.Probe p -> probe(p);
            case Move m -> spawn(m.job(), MountHelper.move(roots.helper(), stage(m.stage()).toString(), place.toString()), false, Optional.empty());
            case Unmount u -> spawn(u.job(), MountHelper.unmount(roots.helper(), place.toString(), u.flags()), false, Optional.empty());
            case Kill k -> kill(k.job());
            case Abort a -> abort(a.mnt());
            case Discard d -> discard(d);
            case RemoveStage r -> removeStage(stage(r.stage()));
            case Note n -> note(n.text());
        }
    }

    private void mount(Mount m) {
        Path dir = stage(m.stage());
        String at = dir.toString();
        try {
            Files.createDirectories(dir);
            switch (config.sources().get(m.source())) {
                case RootConfig.Bind b -> spawn(m.job(), MountHelper.bind(roots.helper(), b.path(), at), true, Optional.empty());
                case RootConfig.Device d -> spawn(m.job(), MountHelper.device(roots.helper(), d.device(), at, d.fsType(), d.options()),
                        true, Optional.empty());
                case RootConfig.Command c -> spawn(m.job(), children.resolve(c.argv(at)), true, Optional.empty());
                case RootConfig.Archive a -> {
                    Mounts.tmpfs(at, a.size()); // a fresh tmpfs of our own: nothing there can block
                    spawn(m.job(), children.resolve(List.of("tar", "--numeric-owner", "-xpf", a.archive(), "-C", at)), true, Optional.empty());
                }
                case RootConfig.Core c -> {
                    Mounts.tmpfs(at, c.size());
                    spawn(m.job(), children.resolve(CoreCopy.argv(at, c.files())), true, Optional.empty());
                }
            }
        } catch (IOException | OsException | IllegalArgumentException e) {
            raised.add(new Refused(m.job(), e.getMessage()));
        }
    }

    private void probe(Root.Probe p) {
        String dir = stage(p.stage()).toString();
        List<String> argv = switch (config.probe().orElseThrow().check()) {
            case RootProbe.File file -> MountHelper.read(roots.helper(), dir + file.path());
            case RootProbe.Exec exec -> MountHelper.chroot(roots.helper(), dir, exec.argv());
        };
        spawn(p.job(), argv, false, Optional.empty());
    }

    /** A job's exit as the machine sees it. A discard's unmount ends here: its stage directory goes. */
    private Event ended(Ended x) {
        Optional<Children.Finished> f = children.ended(x.job(), x.exit());
        if (f.isEmpty()) return null;
        if (f.get().removeAfter().isPresent()) {
            removeStage(f.get().removeAfter().get());
            return null;
        }
        return new Exited(x.job(), x.exit().success(), f.get().why());
    }

    private void spawn(int job, List<String> argv, boolean logLines, Optional<Path> removeAfter) {
        try {
            children.spawn(job, argv, logLines, removeAfter);
        } catch (OsException | IllegalArgumentException e) {
            raised.add(new Refused(job, e.getMessage()));
        }
    }

    private void kill(int job) {
        children.kill(job);
    }

    private void abort(Mnt m) {
        try {
            if (Fuse.abort(m.minor())) note("aborted FUSE connection " + m.minor());
        } catch (RuntimeException e) {
            note("cannot abort FUSE connection " + m.minor() + ": " + e.getMessage());
        }
    }

    /** An attempt given up: its helper killed, what it mounted aborted and detached, its stage removed after. */
    private void discard(Discard d) {
        kill(d.attempt().job());
        if (d.attempt().server() != 0) kill(d.attempt().server());
        Path dir = stage(d.attempt().stage());
        if (d.mnt().isEmpty()) {
            removeStage(dir);
            return;
        }
        if (d.mnt().get().fuse()) abort(d.mnt().get());
        spawn(d.job(), MountHelper.unmount(roots.helper(), dir.toString(), RootLifecycle.FORCE), false, Optional.of(dir));
    }

    /** Only once nothing is mounted there: Java's delete stats the path first, and a stat there asks the mounted filesystem. */
    private void removeStage(Path dir) {
        if (Roots.at(MountTable.read(), dir).isPresent()) {
            note("a mount is still at " + dir + "; it stays until detached");
            return;
        }
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            note("cannot remove " + dir + ": " + e.getMessage()); // a mount still there (EBUSY): left for the next start
        }
    }

    private void note(String text) {
        roots.listener().note(config.name(), text);
    }

    private void publish() {
        RootStatus before = status;
        RootState state = RootLifecycle.name(memory.state());
        Optional<String> source = switch (memory.state()) {
            case Acquiring a -> Optional.of(rules.names().get(a.attempt().source()));
            case Up u -> Optional.of(rules.names().get(u.live().source()));
            case Releasing r -> r.live().source() < 0 ? Optional.empty() : Optional.of(rules.names().get(r.live().source()));
            default -> Optional.empty();
        };
        if (state == before.state() && source.equals(before.source()) && memory.losses() == before.losses()
                && memory.reason().equals(before.reason())) return;
        RootStatus now = new RootStatus(config.name(), state, source, state == before.state() ? before.since() : Instant.now(),
                memory.losses(), memory.reason());
        status = now; // first: a listener that reads status() finds the one it is told of
        try {
            roots.listener().changed(before, now);
        } finally {
            synchronized (this) { // last: whoever await()s a status finds every listener told of it
                told = now;
                notifyAll();
            }
        }
    }
}

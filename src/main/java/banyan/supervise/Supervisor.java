package banyan.supervise;

import banyan.config.ServiceConfig;
import banyan.os.Cgroup;
import banyan.os.Fd;
import banyan.os.OsException;
import banyan.os.Reaper;
import banyan.os.Signals;
import banyan.supervise.Lifecycle.*;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Keeps one service alive: a virtual thread, named after the service, that blocks on one
 * mailbox with one deadline and feeds each event to {@link Lifecycle#next}. Everything marked
 * "service thread" is touched by that thread only and needs no lock.
 */
public final class Supervisor {
    private static final Duration CLEANUP_LIMIT = Duration.ofSeconds(5);

    private final ServiceConfig config;
    private final Host host;
    private final Rules rules;
    private final Launcher launcher;
    private final LinkedBlockingQueue<Event> mailbox = new LinkedBlockingQueue<>();
    private final Fd.Pipe out = Fd.pipe(true), err = Fd.pipe(true);
    private static final int DEV_NULL = Fd.openReadWrite("/dev/null"); // every service's stdin, shared
    private final Thread thread;

    private Memory memory;                  // service thread
    private Optional<Cgroup> cgroup = Optional.empty(); // service thread
    private volatile boolean closing;
    private volatile ServiceStatus status;  // written by the service thread under this, read by anyone

    public Supervisor(ServiceConfig config, Host host) {
        this.config = config;
        this.host = host;
        this.rules = new Rules(config.restart(), config.stopSignal(), config.stopTimeout().toNanos(), Long.MAX_VALUE, false);
        this.launcher = new Launcher(config, host.baseEnv(), host.execHelper());
        this.memory = Lifecycle.initial(rules);
        this.status = snapshot(Instant.now());
        host.pump().watch(out.readEnd(), (text, split) -> host.output().line(config.name(), "out", text, split));
        host.pump().watch(err.readEnd(), (text, split) -> host.output().line(config.name(), "err", text, split));
        this.thread = Thread.ofVirtual().name("svc-" + config.name()).start(this::run);
    }

    public String name() {
        return config.name();
    }

    public ServiceConfig config() {
        return config;
    }

    public ServiceStatus status() {
        return status;
    }

    public void start() {
        mailbox.offer(new Start());
    }

    public void stop() {
        mailbox.offer(new Stop());
    }

    public void restart() {
        mailbox.offer(new Restart());
    }

    public void signal(int signal) {
        mailbox.offer(new Deliver(signal));
    }

    /** Waits until the status satisfies condition; false on timeout. */
    public boolean await(Predicate<ServiceStatus> condition, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (!condition.test(status)) {
                long left = end - System.nanoTime();
                if (left <= 0) return false;
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
    }

    /** Ends the supervisor once its service is down; the caller stops it first. Pipes drain, then close. */
    public void close() {
        closing = true;
        mailbox.offer(new Timeout());
    }

    /** SIGKILL to everything the service runs, at once (a second Ctrl-C). */
    public void killNow() {
        int pid = status.pid();
        if (pid > 0) Reaper.get().signalGroup(pid, Signals.KILL);
        cgroup.ifPresent(Cgroup::kill);
    }

    private void run() {
        try {
            while (true) {
                if (closing && !(memory.state() instanceof Starting || memory.state() instanceof Up || memory.state() instanceof Stopping))
                    break;
                long deadline = memory.state().deadline();
                Event e = deadline == Long.MAX_VALUE ? mailbox.take()
                        : mailbox.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (e == null) e = new Timeout();
                else if (e instanceof Timeout && System.nanoTime() < deadline) continue; // a wake-up from close()
                apply(e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // A bug here must not take down the other services: say so, and leave this one as it is.
            System.err.println("banyan: " + config.name() + ": supervisor error: " + e);
        }
        cgroup.ifPresent(Cgroup::remove);
        Fd.close(out.writeEnd());
        Fd.close(err.writeEnd());
    }

    private void apply(Event e) {
        Step step = Lifecycle.next(rules, memory, e, System.nanoTime(), ThreadLocalRandom.current().nextDouble());
        memory = step.memory();
        for (Effect f : step.effects()) perform(f);
        publish();
    }

    private void perform(Effect f) {
        switch (f) {
            case Spawn s -> spawn();
            case Signal s -> {
                int pid = currentPid();
                if (pid > 0) Reaper.get().signalGroup(pid, s.signal());
            }
            case KillAll k -> {
                int pid = currentPid();
                if (pid > 0) Reaper.get().signalGroup(pid, Signals.KILL);
                cgroup.ifPresent(Cgroup::kill);
            }
            case CleanUp c -> cleanUp();
        }
    }

    private void spawn() {
        try {
            if (cgroup.isEmpty() && host.cgroupParent().isPresent())
                cgroup = Optional.of(Cgroup.create(host.cgroupParent().get(), config.name()));
            var spec = launcher.spec(Map.of(0, DEV_NULL, 1, out.writeEnd(), 2, err.writeEnd()), cgroup, Map.of());
            int pid = Reaper.get().spawn(spec, exit -> mailbox.offer(new Exited(exit)));
            apply(new Spawned(pid));
        } catch (Launcher.LaunchException | OsException e) {
            apply(new SpawnFailed(e.getMessage()));
        }
    }

    /**
     * Kills what the last instance left behind. Without a cgroup, killpg on the old leader's pid:
     * the group outlives its leader, and its id cannot be reused while it has members (the
     * remaining race, an empty group whose id is reused within microseconds, is accepted).
     */
    private void cleanUp() {
        memory.lastExit().ifPresent(x -> {
            try {
                Signals.killGroup(x.pid(), Signals.KILL);
            } catch (OsException ignored) {
                // EPERM: the group is someone else's now
            }
        });
        cgroup.ifPresent(c -> {
            if (!c.killAndAwaitEmpty(CLEANUP_LIMIT.toNanos()))
                System.err.println("banyan: " + config.name() + ": processes in " + c.dir() + " survived SIGKILL for " + CLEANUP_LIMIT.toSeconds() + "s");
        });
    }

    private int currentPid() {
        return switch (memory.state()) {
            case Starting s -> s.pid();
            case Up u -> u.pid();
            case Stopping s -> s.pid();
            default -> 0;
        };
    }

    private void publish() {
        ServiceStatus before = status;
        String state = Lifecycle.name(memory.state());
        int pid = currentPid();
        if (state.equals(before.state()) && pid == before.pid() && memory.restarts() == before.restarts()) return;
        ServiceStatus now = snapshot(Instant.now());
        host.listener().changed(before, now); // first, so that a change is reported before anyone waiting on it acts
        synchronized (this) {
            status = now;
            notifyAll();
        }
    }

    private ServiceStatus snapshot(Instant at) {
        return new ServiceStatus(config.name(), Lifecycle.name(memory.state()), memory.state() instanceof Up, currentPid(),
                memory.restarts(), at, memory.lastExit(), memory.reason(), "");
    }
}

package banyan.supervise;

import banyan.config.Readiness;
import banyan.config.ServiceConfig;
import banyan.os.NotifySocket;
import banyan.os.Reaper;
import banyan.supervise.Lifecycle.*;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Keeps one service alive: a virtual thread, named after the service, that blocks on one
 * mailbox with one deadline and feeds each event to {@link Lifecycle#next}, then carries out the
 * effects through its {@link Instance}; an effect that has an outcome (a spawn) returns it as the
 * next event. {@link Watchers} post readiness and liveness. Everything marked "service thread"
 * is touched by that thread only and needs no lock. Nothing runs before {@link #open}.
 */
public final class Supervisor {
    private final ServiceConfig config;
    private final Host host;
    private final Rules rules;
    private final LinkedBlockingQueue<Mail> mailbox = new LinkedBlockingQueue<>();
    private final Watchers watchers;
    private final Instance instance;
    private final Thread thread;            // started by open()

    private Memory memory;                  // service thread
    private String statusText = "";         // service thread: sd_notify STATUS=
    private volatile boolean closing;
    private volatile ServiceStatus status;  // written by the service thread under this, read by anyone

    /** What the mailbox holds: lifecycle events, and sd_notify messages to read on the service thread. */
    private sealed interface Mail {}

    private record Do(Event event) implements Mail {}

    private record Notified(NotifySocket.Message message) implements Mail {}

    public Supervisor(ServiceConfig config, Host host) {
        this(config, host, Instance.DEV_NULL);
    }

    /** @param stdin the instances' fd 0: /dev/null, or for a logger the read end of its service's pipe */
    Supervisor(ServiceConfig config, Host host, int stdin) {
        this.config = config;
        this.host = host;
        Readiness readiness = config.readiness();
        boolean awaits = readiness.probe().isPresent() || config.oneshot();
        long startTimeout = readiness.startTimeout().orElse(awaits ? Readiness.DEFAULT_START_TIMEOUT : Duration.ZERO).toNanos();
        this.rules = new Rules(config.restart(), config.stopSignal(), config.stopTimeout().toNanos(),
                awaits ? startTimeout : Long.MAX_VALUE, awaits, config.oneshot(), config.stopCommand().isPresent());
        Launcher launcher = new Launcher(config, host.baseEnv(), host.execHelper(), host.roots());
        this.watchers = new Watchers(config.name(), readiness, awaits && !config.oneshot(), launcher, this::post);
        this.instance = new Instance(config, host, launcher, stdin, watchers, this::post, m -> mailbox.offer(new Notified(m)));
        this.memory = Lifecycle.initial(rules);
        this.status = snapshot(Instant.now());
        this.thread = Thread.ofVirtual().name("svc-" + config.name()).unstarted(this::run);
    }

    /** Starts the service thread; requests made before wait in the mailbox. Returns this. */
    public Supervisor open() {
        thread.start();
        return this;
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

    /** The status of the external logger of the current run; empty without a logger or between runs. */
    public Optional<ServiceStatus> logger() {
        return instance.loggerStatus();
    }

    public void start() {
        post(new Start());
    }

    public void stop() {
        post(new Stop());
    }

    public void restart() {
        post(new Restart());
    }

    public void signal(int signal) {
        post(new Deliver(signal));
    }

    /** Lets the running instance end by itself, not restarted; SIGKILL after grace (a logger whose input ended). */
    void finish(Duration grace) {
        post(new Finish(grace.toNanos()));
    }

    private void post(Event e) {
        mailbox.offer(new Do(e));
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
        post(new Timeout());
    }

    /**
     * Waits (10 s, plus twice stop_timeout for a logger to drain and stop) for the thread to end
     * after close(), so that a successor can take over the name and cgroup.
     */
    public void awaitClosed() {
        try {
            thread.join(Duration.ofSeconds(10).plus(config.logger().isPresent() ? config.stopTimeout().multipliedBy(2) : Duration.ZERO));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGKILL to everything the service runs, at once (a second Ctrl-C). */
    public void killNow() {
        instance.killNow(status.pid());
    }

    private void run() {
        while (true) {
            try {
                if (!step()) break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                // A bug here must not take down this service or the others: say so, and handle the next event.
                System.err.println("banyan: " + config.name() + ": supervisor error, carrying on: " + e);
                java.util.concurrent.locks.LockSupport.parkNanos(100_000_000); // a bug that repeats must not spin a core
            }
        }
        watchers.end();
        instance.close();
    }

    /** Waits for one piece of mail (or a deadline) and handles it; false once the supervisor is done. */
    private boolean step() throws InterruptedException {
        if (closing && !Lifecycle.stateOf(memory.state()).isRunning()) return false;
        long deadline = Math.min(memory.state().deadline(), watchers.deadline());
        Mail mail = deadline == Long.MAX_VALUE ? mailbox.take()
                : mailbox.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        switch (mail) {
            case null -> {
                long now = System.nanoTime();
                Optional<Event> dog = watchers.expired(now);
                if (dog.isPresent()) apply(dog.get());
                else if (now - memory.state().deadline() >= 0) apply(new Timeout());
            }
            case Do(Timeout t) when System.nanoTime() < memory.state().deadline() -> { } // a wake-up from close()
            case Do(Event e) -> apply(e);
            case Notified(NotifySocket.Message m) -> notified(m);
        }
        return true;
    }

    /**
     * Feeds e to the lifecycle, carries out the effects, and feeds their outcomes (a spawn's pid
     * or its failure) in turn, before any other mail; then publishes the state reached.
     */
    private void apply(Event e) {
        ArrayDeque<Event> events = new ArrayDeque<>();
        for (Event next = e; next != null; next = events.poll()) {
            Step step = Lifecycle.next(rules, memory, next, System.nanoTime(), ThreadLocalRandom.current().nextDouble());
            memory = step.memory();
            for (Effect f : step.effects()) perform(f).ifPresent(events::add);
        }
        entered(memory.state());
        publish();
    }

    /** Carries out one effect; the event it leads to, if any. */
    private Optional<Event> perform(Effect f) {
        switch (f) {
            case Spawn s -> { return Optional.of(instance.spawn()); }
            case RunStopCommand r -> { return Optional.of(instance.runStopCommand()); }
            case Signal s -> instance.signal(currentPid(), s.signal());
            case KillAll k -> instance.killAll(currentPid());
            case CleanUp c -> instance.cleanUp(memory.lastExit());
        }
        return Optional.empty();
    }

    /** Watches the new state; a finished run's logger ends before the state is published, so down means flushed. */
    private void entered(State now) {
        if (now instanceof Down || now instanceof Failed) instance.endLogger();
        int live = watchers.livePid();
        watchers.entered(now);
        if (watchers.livePid() != live && watchers.livePid() == 0 && !(now instanceof Starting)) statusText = "";
    }

    /**
     * An sd_notify datagram. Accepted only from the service's own processes: its main process,
     * or any process in the session it leads (every service runs in its own session).
     */
    private void notified(NotifySocket.Message m) {
        int pid = currentPid();
        if (m.pid() <= 0 || pid <= 0 || m.pid() != pid && m.session() != instance.sessionLeader()) return;
        boolean changed = false;
        for (Notice n : Notice.parse(m.text())) {
            switch (n) {
                case Notice.Ready r -> apply(new Ready(0));
                case Notice.Status s -> {
                    statusText = s.text();
                    changed = true;
                }
                case Notice.Stopping s -> {
                    statusText = "stopping";
                    changed = true;
                }
                case Notice.Watchdog w -> watchers.kick();
                case Notice.WatchdogTrigger t -> apply(new Unhealthy(watchers.livePid(), "watchdog triggered by the service"));
                // Only a process that is already our child (reparented to us) can be followed; otherwise its exit would go unseen.
                case Notice.MainPid p -> {
                    if (p.pid() != pid && Reaper.get().adopt(p.pid(), exit -> post(new Exited(exit)))) apply(new MainPid(p.pid()));
                }
                case Notice.ExtendTimeout x -> apply(new Extend(x.micros() * 1000L));
            }
        }
        if (changed) publish();
    }

    private int currentPid() {
        return switch (memory.state()) {
            case Starting s -> s.pid();
            case Up u -> u.pid();
            case Stopping s -> s.pid();
            case Down d -> 0;
            case Backoff b -> 0;
            case Failed f -> 0;
            case Done d -> 0;
        };
    }

    private void publish() {
        ServiceStatus before = status;
        ServiceState state = Lifecycle.stateOf(memory.state());
        int pid = currentPid();
        if (state == before.state() && pid == before.pid() && memory.restarts() == before.restarts()
                && statusText.equals(before.statusText())) return;
        ServiceStatus now = snapshot(Instant.now());
        synchronized (this) {
            status = now;
            notifyAll();
        }
        host.listener().changed(before, now);
    }

    private ServiceStatus snapshot(Instant at) {
        ServiceState state = Lifecycle.stateOf(memory.state());
        return new ServiceStatus(config.name(), state, state == ServiceState.UP || state == ServiceState.DONE,
                currentPid(), memory.restarts(), at, memory.lastExit(), memory.reason(), statusText);
    }
}

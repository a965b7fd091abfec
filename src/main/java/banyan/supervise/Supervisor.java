package banyan.supervise;

import banyan.config.Durations;
import banyan.config.Probe;
import banyan.config.Readiness;
import banyan.config.ServiceConfig;
import banyan.os.Cgroup;
import banyan.os.Fd;
import banyan.os.NotifySocket;
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
    private final LinkedBlockingQueue<Mail> mailbox = new LinkedBlockingQueue<>();
    private final Readiness readiness;
    private final Optional<NotifySocket> notify;
    private final Fd.Pipe out, err;         // held for the supervisor's life; null when a logger takes the output
    private static final int DEV_NULL = Fd.openReadWrite("/dev/null"); // every service's stdin, shared
    private final int stdin;
    private final Thread thread;

    private Memory memory;                  // service thread
    private Optional<Cgroup> cgroup = Optional.empty(); // service thread
    private int spawnedPid;                 // service thread: the pid the current instance was spawned with
    private volatile boolean closing;
    private volatile ServiceStatus status;  // written by the service thread under this, read by anyone
    private volatile int readyWaitPid;      // the Starting instance's pid while it is not ready yet, else 0: read by probes
    private volatile int livePid;           // the Up instance's pid, else 0: read by liveness probes
    private long watchdogBy = Long.MAX_VALUE; // service thread
    private String statusText = "";         // service thread: sd_notify STATUS=
    private volatile Logger logger;         // written by the service thread: the external logger of the current run

    /** What the mailbox holds: lifecycle events, and sd_notify messages to read on the service thread. */
    private sealed interface Mail {}

    private record Do(Event event) implements Mail {}

    private record Notice(NotifySocket.Message message) implements Mail {}

    public Supervisor(ServiceConfig config, Host host) {
        this(config, host, DEV_NULL);
    }

    /** @param stdin the instances' fd 0: /dev/null, or for a logger the read end of its service's pipe */
    Supervisor(ServiceConfig config, Host host, int stdin) {
        this.config = config;
        this.host = host;
        this.stdin = stdin;
        this.readiness = config.readiness();
        boolean awaits = readiness.probe().isPresent() || config.oneshot();
        long startTimeout = readiness.startTimeout().orElse(awaits ? Readiness.DEFAULT_START_TIMEOUT : java.time.Duration.ZERO).toNanos();
        this.rules = new Rules(config.restart(), config.stopSignal(), config.stopTimeout().toNanos(),
                awaits ? startTimeout : Long.MAX_VALUE, awaits, config.oneshot(), config.stopCommand().isPresent());
        this.notify = readiness.usesNotify() ? Optional.of(NotifySocket.bind(NotifyNames.next(config.name()))) : Optional.empty();
        this.launcher = new Launcher(config, host.baseEnv(), host.execHelper());
        this.memory = Lifecycle.initial(rules);
        this.status = snapshot(Instant.now());
        java.util.regex.Pattern logReady = readiness.probe().orElse(null) instanceof Probe.Log l ? l.pattern() : null;
        this.out = config.logger().isPresent() ? null : Fd.pipe(true);
        this.err = config.logger().isPresent() ? null : Fd.pipe(true);
        if (out != null) {
            host.pump().watch(out.readEnd(), (text, split) -> {
                host.output().line(config.name(), "out", text, split);
                if (logReady != null) matchLog(logReady, text);
            });
            host.pump().watch(err.readEnd(), (text, split) -> {
                host.output().line(config.name(), "err", text, split);
                if (logReady != null) matchLog(logReady, text);
            });
        }
        notify.ifPresent(n -> ReadyPump.get().watch(n.fd(), () -> {
            for (Optional<NotifySocket.Message> m; (m = n.receive()).isPresent(); ) mailbox.offer(new Notice(m.get()));
        }));
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

    /** The status of the external logger of the current run; empty without a logger or between runs. */
    public Optional<ServiceStatus> logger() {
        return Optional.ofNullable(logger).map(Logger::status);
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

    /** On the log pump's thread: a line that matches while the current instance waits for readiness makes it ready. */
    private void matchLog(java.util.regex.Pattern p, String line) {
        int pid = readyWaitPid;
        if (pid > 0 && p.matcher(line).find()) post(new Ready(pid));
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
        int pid = status.pid();
        if (pid > 0) Reaper.get().signalGroup(pid, Signals.KILL);
        cgroup.ifPresent(Cgroup::kill);
        Logger l = logger;
        if (l != null) l.killNow();
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
        readyWaitPid = 0;
        livePid = 0;
        notify.ifPresent(n -> ReadyPump.get().retire(n.fd()));
        cgroup.ifPresent(Cgroup::remove);
        endLogger();
        if (out != null) {
            Fd.close(out.writeEnd());
            Fd.close(err.writeEnd());
        }
    }

    /** Waits for one piece of mail (or a deadline) and handles it; false once the supervisor is done. */
    private boolean step() throws InterruptedException {
        if (closing && !Lifecycle.stateOf(memory.state()).isRunning()) return false;
        long deadline = Math.min(memory.state().deadline(), watchdogBy);
        Mail mail = deadline == Long.MAX_VALUE ? mailbox.take()
                : mailbox.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        switch (mail) {
            case null -> {
                if (System.nanoTime() - watchdogBy >= 0) {
                    watchdogBy = Long.MAX_VALUE;
                    apply(new Unhealthy(livePid, "watchdog: no WATCHDOG=1 within " + readiness.watchdog().map(Durations::format).orElse("")));
                } else if (System.nanoTime() - memory.state().deadline() >= 0) apply(new Timeout());
            }
            case Do(Timeout t) when System.nanoTime() < memory.state().deadline() -> { } // a wake-up from close()
            case Do(Event e) -> apply(e);
            case Notice(NotifySocket.Message m) -> notified(m);
        }
        return true;
    }

    private void apply(Event e) {
        Step step = Lifecycle.next(rules, memory, e, System.nanoTime(), ThreadLocalRandom.current().nextDouble());
        State before = memory.state();
        memory = step.memory();
        for (Effect f : step.effects()) perform(f);
        entered(before, memory.state());
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
            case RunStopCommand r -> runStopCommand();
        }
    }

    /** Starts what watches the new state: readiness probes while starting, liveness and watchdog while up; ends a finished run's logger. */
    private void entered(State before, State now) {
        if (now instanceof Down || now instanceof Failed) endLogger(); // before the state is published: down means flushed
        int waiting = now instanceof Starting s && s.pid() > 0 && rules.awaitsReady() && !config.oneshot() ? s.pid() : 0;
        if (waiting != readyWaitPid) {
            readyWaitPid = waiting;
            if (waiting > 0 && readiness.probe().filter(Probe::polled).isPresent()) {
                Probe p = readiness.probe().get();
                Thread.ofVirtual().name("ready-" + config.name()).start(() -> pollReady(p, waiting));
            }
        }
        int up = now instanceof Up u ? u.pid() : 0;
        if (up != livePid) {
            livePid = up;
            statusText = up == 0 && !(now instanceof Starting) ? "" : statusText;
            watchdogBy = up > 0 ? readiness.watchdog().map(d -> Lifecycle.plus(System.nanoTime(), d.toNanos())).orElse(Long.MAX_VALUE) : Long.MAX_VALUE;
            if (up > 0) readiness.liveness().ifPresent(l -> Thread.ofVirtual().name("live-" + config.name()).start(() -> pollLive(l, up)));
        }
    }

    /** On its own virtual thread: tries the readiness probe at its interval until it passes or the instance is no longer starting. */
    private void pollReady(Probe p, int pid) {
        try {
            while (readyWaitPid == pid) {
                if (Probes.check(p, readiness.timeout(), launcher, DEV_NULL).isEmpty()) {
                    post(new Ready(pid));
                    return;
                }
                Thread.sleep(readiness.interval());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** On its own virtual thread: `failures` failed liveness probes in a row restart the instance. */
    private void pollLive(Readiness.Liveness l, int pid) {
        int failed = 0;
        try {
            while (true) {
                Thread.sleep(l.interval());
                if (livePid != pid) return;
                Optional<String> why = Probes.check(l.probe(), l.timeout(), launcher, DEV_NULL);
                failed = why.isEmpty() ? 0 : failed + 1;
                if (failed >= l.failures()) {
                    post(new Unhealthy(pid, "liveness failed " + failed + " times: " + why.get()));
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * An sd_notify datagram. Accepted only from the service's own processes: its main process,
     * or any process in the session it leads (every service runs in its own session).
     */
    private void notified(NotifySocket.Message m) {
        int pid = currentPid();
        if (m.pid() <= 0 || pid <= 0 || m.pid() != pid && banyan.os.Proc.sessionOf(m.pid()) != sessionLeader()) return;
        boolean changed = false;
        for (String line : m.text().split("\n")) {
            int eq = line.indexOf('=');
            if (eq <= 0) continue;
            String key = line.substring(0, eq), value = line.substring(eq + 1);
            switch (key) {
                case "READY" -> { if (value.equals("1")) apply(new Ready(0)); }
                case "STATUS" -> { statusText = value; changed = true; }
                case "STOPPING" -> { if (value.equals("1")) { statusText = "stopping"; changed = true; } }
                case "WATCHDOG" -> {
                    if (value.equals("1") && livePid > 0) watchdogBy = readiness.watchdog()
                            .map(d -> Lifecycle.plus(System.nanoTime(), d.toNanos())).orElse(Long.MAX_VALUE);
                    else if (value.equals("trigger")) apply(new Unhealthy(livePid, "watchdog triggered by the service"));
                }
                // Only a process that is already our child (reparented to us) can be followed; otherwise its exit would go unseen.
                case "MAINPID" -> parsePositive(value).filter(p -> p != pid && Reaper.get().adopt(p, exit -> post(new Exited(exit))))
                        .ifPresent(p -> apply(new MainPid(p)));
                case "EXTEND_TIMEOUT_USEC" -> parsePositive(value).ifPresent(us -> apply(new Extend(us * 1000L)));
                default -> { } // unknown keys are ignored, as systemd does
            }
        }
        if (changed) publish();
    }

    private static Optional<Integer> parsePositive(String s) {
        try {
            int n = Integer.parseInt(s.trim());
            return n > 0 ? Optional.of(n) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The pid the current instance was spawned with: the session id of all its processes. */
    private int sessionLeader() {
        return spawnedPid;
    }

    /** fds 0, 1 and 2 of an instance; a run with a logger starts it first, so that its pipe exists. */
    private Map<Integer, Integer> stdio() {
        if (config.logger().isEmpty()) return Map.of(0, stdin, 1, out.writeEnd(), 2, err.writeEnd());
        if (logger == null) logger = new Logger(config, host);
        return Map.of(0, stdin, 1, logger.input(), 2, logger.input());
    }

    /** On the service thread, once none of the service's processes is left. */
    private void endLogger() {
        Logger l = logger;
        if (l == null) return;
        try {
            l.end();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            logger = null; // even if ending it failed: the next run needs a new pipe
        }
    }

    private void runStopCommand() {
        try {
            int pid = launcher.spawn(config.stopCommand().orElseThrow(), stdio(), cgroup, Map.of(), exit -> post(new Exited(exit)));
            apply(new Spawned(pid));
        } catch (Launcher.LaunchException | OsException e) {
            apply(new SpawnFailed(e.getMessage()));
        }
    }

    private void spawn() {
        try {
            if (cgroup.isEmpty() && host.cgroupParent().isPresent())
                cgroup = Optional.of(Cgroup.create(host.cgroupParent().get(), config.name().replace('/', ':'))); // NAME/log: beside NAME, not in it
            Map<Integer, Integer> fds = new java.util.HashMap<>(stdio());
            Map<String, String> env = new java.util.HashMap<>();
            notify.ifPresent(n -> env.put("NOTIFY_SOCKET", n.address()));
            readiness.watchdog().ifPresent(d -> env.put("WATCHDOG_USEC", Long.toString(d.toNanos() / 1000)));
            Fd.Pipe readyPipe = readiness.probe().orElse(null) instanceof Probe.Fd f ? Fd.pipe(true) : null;
            if (readyPipe != null) fds.put(((Probe.Fd) readiness.probe().get()).fd(), readyPipe.writeEnd());
            int pid;
            try {
                pid = launcher.spawn(fds, cgroup, env, exit -> post(new Exited(exit)));
            } catch (Launcher.LaunchException | OsException e) {
                if (readyPipe != null) readyPipe.close();
                throw e;
            }
            spawnedPid = pid;
            if (readyPipe != null) {
                Fd.close(readyPipe.writeEnd()); // only the service holds it now: its exit means end of file
                watchReadyFd(readyPipe.readEnd(), pid);
            }
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
        if (cgroup.isEmpty()) memory.lastExit().ifPresent(x -> awaitGroupGone(x.pid()));
        cgroup.ifPresent(c -> {
            if (!c.killAndAwaitEmpty(CLEANUP_LIMIT.toNanos()))
                System.err.println("banyan: " + config.name() + ": processes in " + c.dir() + " survived SIGKILL for " + CLEANUP_LIMIT.toSeconds() + "s");
        });
    }

    /** SIGKILL to the old group until none of it is left (its members are reaped as orphans), within CLEANUP_LIMIT. */
    private void awaitGroupGone(int pgid) {
        long end = System.nanoTime() + CLEANUP_LIMIT.toNanos(), pause = 50_000;
        try {
            while (Signals.killGroup(pgid, Signals.KILL) && System.nanoTime() < end) {
                java.util.concurrent.locks.LockSupport.parkNanos(pause);
                pause = Math.min(pause * 2, 10_000_000);
            }
        } catch (OsException ignored) {
            // EPERM: the group id is someone else's now
        }
    }

    /** s6 readiness: the first newline on the fd makes the instance ready; end of file ends the watch. */
    private void watchReadyFd(int fd, int pid) {
        byte[] buf = new byte[512];
        ReadyPump.get().watch(fd, () -> {
            int n = Fd.read(fd, buf);
            if (n < 0) return;
            boolean newline = false;
            for (int i = 0; i < n; i++) newline |= buf[i] == '\n';
            if (newline) post(new Ready(pid));
            if (newline || n == 0) ReadyPump.get().retire(fd);
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
        return new ServiceStatus(config.name(), Lifecycle.stateOf(memory.state()), memory.state() instanceof Up || memory.state() instanceof Done,
                currentPid(), memory.restarts(), at, memory.lastExit(), memory.reason(), statusText);
    }
}

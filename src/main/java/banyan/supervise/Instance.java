package banyan.supervise;

import banyan.config.Probe;
import banyan.config.Readiness;
import banyan.config.ServiceConfig;
import banyan.os.Cgroup;
import banyan.os.Fd;
import banyan.os.NotifySocket;
import banyan.os.OsException;
import banyan.os.Poll;
import banyan.os.Reaper;
import banyan.os.Reaper.Exit;
import banyan.os.Signals;
import banyan.supervise.Lifecycle.Event;
import banyan.supervise.Lifecycle.Exited;
import banyan.supervise.Lifecycle.SpawnFailed;
import banyan.supervise.Lifecycle.Spawned;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The plumbing of a service's instances, driven by its supervisor's thread: the output pipes
 * (held for the supervisor's life, so that no line is lost across restarts), the sd_notify
 * socket, the cgroup, the spawn of the command and of the stop_command, and the clean-up after
 * each instance. Nothing is opened before the first spawn: a supervisor holds no fd until its
 * service starts, and a shortage of fds then is an error of that spawn.
 */
final class Instance {
    private static final Duration CLEANUP_LIMIT = Duration.ofSeconds(5);
    static final int DEV_NULL = Fd.openReadWrite("/dev/null"); // every service's stdin, shared

    private final ServiceConfig config;
    private final Host host;
    private final Launcher launcher;
    private final Readiness readiness;
    private final int stdin;
    private final Watchers watchers;
    private final Consumer<Event> post;                          // to the mailbox: exits, from the reaper's thread
    private final Consumer<NotifySocket.Message> notified;       // to the mailbox: sd_notify datagrams, from the ready pump
    private final Notices notices = new Notices();                // how many of those are in the mailbox
    private Fd.Pipe out, err;                                    // service thread: opened at the first spawn; none with a logger
    private Optional<NotifySocket> notify = Optional.empty();    // service thread: bound at the first spawn
    private volatile Optional<Cgroup> cgroup = Optional.empty(); // written by the service thread, read by killNow
    private int spawnedPid;                                      // service thread: the session id of the instance's processes
    private volatile Logger logger;                              // written by the service thread: the external logger of this run

    /** @param stdin the instances' fd 0: /dev/null, or for a logger the read end of its service's pipe */
    Instance(ServiceConfig config, Host host, Launcher launcher, int stdin, Watchers watchers, Consumer<Event> post,
             Consumer<NotifySocket.Message> notified) {
        this.config = config;
        this.host = host;
        this.launcher = launcher;
        this.readiness = config.readiness();
        this.stdin = stdin;
        this.watchers = watchers;
        this.post = post;
        this.notified = notified;
    }

    /** Spawns the service's command: Spawned with its pid, or SpawnFailed saying why. */
    Event spawn() {
        Fd.Pipe readyPipe = null;
        try {
            if (cgroup.isEmpty() && host.cgroupParent().isPresent())
                cgroup = Optional.of(Cgroup.create(host.cgroupParent().get(), config.name().replace('/', ':'))); // NAME/log: beside NAME, not in it
            Map<Integer, Integer> fds = new HashMap<>(stdio());
            Map<String, String> env = new HashMap<>();
            notify.ifPresent(n -> env.put("NOTIFY_SOCKET", n.address()));
            readiness.watchdog().ifPresent(d -> env.put("WATCHDOG_USEC", Long.toString(d.toNanos() / 1000)));
            if (readiness.probe().orElse(null) instanceof Probe.Fd f) {
                readyPipe = Fd.pipe(true);
                fds.put(f.fd(), readyPipe.writeEnd());
            }
            int pid = launcher.spawn(fds, cgroup, env, exit -> post.accept(new Exited(exit)));
            spawnedPid = pid;
            if (readyPipe != null) {
                Fd.Pipe p = readyPipe;
                readyPipe = null; // the watch owns its read end from here on
                Fd.close(p.writeEnd()); // only the service holds it now: its exit means end of file
                watchers.watchFd(p.readEnd(), pid);
            }
            return new Spawned(pid);
        } catch (OsException e) {
            if (readyPipe != null) readyPipe.close();
            return new SpawnFailed(e.getMessage(), e.temporary());
        } catch (Launcher.LaunchException e) {
            if (readyPipe != null) readyPipe.close();
            return new SpawnFailed(e.getMessage(), false);
        }
    }

    /** Spawns a oneshot's stop_command, as the service would run: Spawned or SpawnFailed. */
    Event runStopCommand() {
        try {
            return new Spawned(launcher.spawn(config.stopCommand().orElseThrow(), stdio(), cgroup, Map.of(), exit -> post.accept(new Exited(exit))));
        } catch (OsException e) {
            return new SpawnFailed(e.getMessage(), e.temporary());
        } catch (Launcher.LaunchException e) {
            return new SpawnFailed(e.getMessage(), false);
        }
    }

    /** The pid the current instance was spawned with: the session id of all its processes. */
    int sessionLeader() {
        return spawnedPid;
    }

    /** A signal to the group of the instance led by pid (0: none runs, nothing to do). */
    void signal(int pid, int signal) {
        if (pid > 0) Reaper.get().signalGroup(pid, signal);
    }

    /** SIGKILL to the instance's group and to the cgroup: the stop timeout expired. */
    void killAll(int pid) {
        signal(pid, Signals.KILL);
        cgroup.ifPresent(Cgroup::kill);
    }

    /** Any thread: SIGKILL to everything the service runs, its logger too (a second Ctrl-C). */
    void killNow(int pid) {
        killAll(pid);
        Logger l = logger;
        if (l != null) l.killNow();
    }

    /**
     * Kills what the last instance left behind. Without a cgroup, killpg on the old leader's pid:
     * the group outlives its leader, and its id cannot be reused while it has members (the
     * remaining race, an empty group whose id is reused within microseconds, is accepted).
     */
    void cleanUp(Optional<Exit> last) {
        if (cgroup.isEmpty()) last.ifPresent(x -> awaitGroupGone(x.pid()));
        cgroup.ifPresent(c -> {
            if (!c.killAndAwaitEmpty(CLEANUP_LIMIT.toNanos()))
                System.err.println("banyan: " + config.name() + ": processes in " + c.dir() + " survived SIGKILL for " + CLEANUP_LIMIT.toSeconds() + "s");
        });
    }

    /** The status of the external logger of the current run; empty without a logger or between runs. */
    Optional<ServiceStatus> loggerStatus() {
        return Optional.ofNullable(logger).map(Logger::status);
    }

    /** Service thread, once none of the service's processes is left: the run's logger drains and ends. */
    void endLogger() {
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

    /** Service thread, when the supervisor ends: lets go of everything; the pipes drain, then close. */
    void close() {
        notify.ifPresent(n -> ReadyPump.get().retire(n.fd()));
        cgroup.ifPresent(Cgroup::remove);
        endLogger();
        if (out != null) {
            Fd.close(out.writeEnd());
            Fd.close(err.writeEnd());
        }
    }

    /** Service thread: an sd_notify datagram was taken from the mailbox. */
    void noticeTaken() {
        notices.taken();
    }

    /** fds 0, 1 and 2 of an instance, opened on first use; a run with a logger starts it first, so that its pipe exists. */
    private Map<Integer, Integer> stdio() {
        open();
        if (config.logger().isPresent()) {
            if (logger == null) logger = new Logger(config, host);
            return Map.of(0, stdin, 1, logger.input(), 2, logger.input());
        }
        return Map.of(0, stdin, 1, out.writeEnd(), 2, err.writeEnd());
    }

    /** The output pipes and the sd_notify socket, once: they serve every instance from then on. */
    private void open() {
        if (readiness.usesNotify() && notify.isEmpty()) {
            NotifySocket n = NotifySocket.bind(NotifyNames.next(config.name()));
            notify = Optional.of(n);
            ReadyPump.get().watch(n.fd(), () -> notices.drain(n, notified));
        }
        if (config.logger().isPresent() || out != null) return;
        Fd.Pipe o = Fd.pipe(true), e;
        try {
            e = Fd.pipe(true);
        } catch (OsException x) {
            o.close();
            throw x;
        }
        out = o;
        err = e;
        host.pump().watch(out.readEnd(), sink("out"));
        host.pump().watch(err.readEnd(), sink("err"));
    }

    private LogPump.Sink sink(String stream) {
        return new LogPump.Sink() {
            @Override
            public void line(String text, boolean split) {
                host.output().line(config.name(), stream, text, split);
                watchers.line(text);
            }

            @Override
            public void batchEnd() {
                host.output().flush(config.name());
            }
        };
    }

    /** SIGKILL to the old group until none of it is left (its members are reaped as orphans), within CLEANUP_LIMIT. */
    private static void awaitGroupGone(int pgid) {
        try {
            Poll.until(() -> !Signals.killGroup(pgid, Signals.KILL), CLEANUP_LIMIT, Duration.ofNanos(50_000), Duration.ofMillis(10));
        } catch (OsException ignored) {
            // EPERM: the group id is someone else's now
        }
    }
}

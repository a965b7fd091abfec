package banyan.supervise;

import banyan.config.Durations;
import banyan.config.Probe;
import banyan.config.Readiness;
import banyan.os.Fd;
import banyan.supervise.Lifecycle.Event;
import banyan.supervise.Lifecycle.Ready;
import banyan.supervise.Lifecycle.Starting;
import banyan.supervise.Lifecycle.State;
import banyan.supervise.Lifecycle.Unhealthy;
import banyan.supervise.Lifecycle.Up;

import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * What watches an instance besides its exit: readiness while it starts (polled probes, a log
 * line, the s6 fd; sd_notify comes through the mailbox), liveness probes while it is up, and
 * the watchdog deadline. A watcher only posts an event (Ready, Unhealthy) to the mailbox; the
 * lifecycle decides what it means.
 */
final class Watchers {
    private final String name;
    private final Readiness readiness;
    private final boolean awaitsReady;         // a long-running service with a readiness probe
    private final Launcher launcher;           // for exec probes
    private final Consumer<Event> post;
    private final Pattern logReady;            // ready = { log = "..." }, else null
    private volatile int readyWaitPid;         // the starting instance's pid until it is ready, else 0: read by probes and the log pump
    private volatile int livePid;              // the up instance's pid, else 0: read by liveness probes
    private long watchdogBy = Long.MAX_VALUE;  // service thread

    Watchers(String name, Readiness readiness, boolean awaitsReady, Launcher launcher, Consumer<Event> post) {
        this.name = name;
        this.readiness = readiness;
        this.awaitsReady = awaitsReady;
        this.launcher = launcher;
        this.post = post;
        this.logReady = readiness.probe().orElse(null) instanceof Probe.Log l ? l.pattern() : null;
    }

    /** Service thread: starts what watches the new state, ends what watched the old one (its threads see the pid change). */
    void entered(State now) {
        int waiting = awaitsReady && now instanceof Starting s && s.pid() > 0 ? s.pid() : 0;
        if (waiting != readyWaitPid) {
            readyWaitPid = waiting;
            if (waiting > 0 && readiness.probe().filter(Probe::polled).isPresent()) {
                Probe p = readiness.probe().get();
                Thread.ofVirtual().name("ready-" + name).start(() -> pollReady(p, waiting));
            }
        }
        int up = now instanceof Up u ? u.pid() : 0;
        if (up != livePid) {
            livePid = up;
            watchdogBy = up > 0 ? watchdogFromNow() : Long.MAX_VALUE;
            if (up > 0) readiness.liveness().ifPresent(l -> Thread.ofVirtual().name("live-" + name).start(() -> pollLive(l, up)));
        }
    }

    /** The up instance's pid, 0 when none. */
    int livePid() {
        return livePid;
    }

    /** Service thread: when the watchdog expires (Long.MAX_VALUE: no watchdog running). */
    long deadline() {
        return watchdogBy;
    }

    /** Service thread: WATCHDOG=1, so the deadline starts again. */
    void kick() {
        if (livePid > 0) watchdogBy = watchdogFromNow();
    }

    /** Service thread: the Unhealthy event once the watchdog deadline has passed, at most once per deadline. */
    Optional<Event> expired(long now) {
        if (now - watchdogBy < 0) return Optional.empty();
        watchdogBy = Long.MAX_VALUE;
        return Optional.of(new Unhealthy(livePid, "watchdog: no WATCHDOG=1 within " + readiness.watchdog().map(Durations::format).orElse("")));
    }

    /** Service thread, once the supervisor ends: every watcher stops. */
    void end() {
        readyWaitPid = 0;
        livePid = 0;
    }

    /** On the log pump's thread: a line that matches while the current instance waits for readiness makes it ready. */
    void line(String text) {
        int pid = readyWaitPid;
        if (logReady != null && pid > 0 && logReady.matcher(text).find()) post.accept(new Ready(pid));
    }

    /** s6 readiness: the first newline on fd makes instance pid ready; end of file ends the watch. */
    void watchFd(int fd, int pid) {
        byte[] buf = new byte[512];
        ReadyPump.get().watch(fd, () -> {
            int n = Fd.read(fd, buf);
            if (n < 0) return;
            boolean newline = false;
            for (int i = 0; i < n; i++) newline |= buf[i] == '\n';
            if (newline) post.accept(new Ready(pid));
            if (newline || n == 0) ReadyPump.get().retire(fd);
        });
    }

    private long watchdogFromNow() {
        return readiness.watchdog().map(d -> Lifecycle.plus(System.nanoTime(), d.toNanos())).orElse(Long.MAX_VALUE);
    }

    /** On its own virtual thread: tries the readiness probe at its interval until it passes or the instance is no longer starting. */
    private void pollReady(Probe p, int pid) {
        try {
            while (readyWaitPid == pid) {
                if (Probes.check(p, readiness.timeout(), launcher, Instance.DEV_NULL).isEmpty()) {
                    post.accept(new Ready(pid));
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
                Optional<String> why = Probes.check(l.probe(), l.timeout(), launcher, Instance.DEV_NULL);
                failed = why.isEmpty() ? 0 : failed + 1;
                if (failed >= l.failures()) {
                    post.accept(new Unhealthy(pid, "liveness failed " + failed + " times: " + why.get()));
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

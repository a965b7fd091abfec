package banyan.logs;

import banyan.config.LogConfig;
import banyan.os.Proc;
import banyan.supervise.Host;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Where service output goes besides the console: a file per service under the log directory
 * (rotated by size and count) and a ring of recent lines for `banyan logs`. Lines arrive on the
 * log pump's thread; {@link #flush} runs there after each round of reads, so a line is on disk
 * before the pump waits again.
 */
public final class Logs implements Host.Output {
    /** Ring bounds per service: enough for `logs -n 1000`, at most about 1 MiB of text. */
    static final int RING_LINES = 2000;
    static final long RING_CHARS = 1L << 20;
    /** banyan's own messages; '@' cannot start a service name, so no service can take this file. */
    public static final String OWN_LOG = "@banyan.log";

    private record Service(Ring ring, LogFile file) {}

    private record Message(Instant at, String text) {}

    /** banyan's own messages waiting for their file at most. */
    static final int OWN_QUEUE = 4096;

    private final LogConfig config;
    private final Path dir;
    private final Consumer<String> report;
    private final Map<String, Service> services = new ConcurrentHashMap<>();
    private final LogFile own;
    private final java.util.concurrent.LinkedBlockingQueue<Message> ownQueue = new java.util.concurrent.LinkedBlockingQueue<>(OWN_QUEUE);
    private final java.util.concurrent.atomic.AtomicLong ownMissed = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean toldUnwritable; // said at start that the directory cannot be written: no word per file then

    /** @param report where banyan's own messages about logging go (the console) */
    public Logs(LogConfig config, Map<String, String> env, Consumer<String> report) {
        this.config = config;
        this.dir = config.dir().orElseGet(() -> defaultDir(Proc.uid(), env));
        this.report = report;
        this.own = new LogFile(dir, OWN_LOG, config.maxSize(), config.maxFiles(), (f, n, why) -> {});
        own.tryOpen().ifPresent(why -> {
            toldUnwritable = true;
            report.accept("warning: log_dir " + dir + " cannot be written (" + why + "): service output is kept only in memory"
                    + " (banyan logs NAME), and every line that misses its file is counted as lost (log_lines_lost); make "
                    + dir + " a writable directory (banyan tries again with each line) or set log_dir to one and restart banyan");
        });
        Thread.ofVirtual().name("banyan-own-log").start(this::writeOwn);
    }

    /** /var/log/banyan for root, else $XDG_STATE_HOME/banyan/log ($HOME/.local/state when unset). */
    public static Path defaultDir(int uid, Map<String, String> env) {
        if (uid == 0) return Path.of("/var/log/banyan");
        String state = env.getOrDefault("XDG_STATE_HOME", "");
        if (state.startsWith("/")) return Path.of(state, "banyan", "log");
        return Path.of(env.getOrDefault("HOME", "/tmp"), ".local", "state", "banyan", "log");
    }

    public Path dir() {
        return dir;
    }

    public Path file(String service) {
        return dir.resolve(service + ".log");
    }

    /** A line of a service, or of a service's external logger (NAME/log), whose lines go to banyan's own file. */
    @Override
    public void line(String service, String stream, String text, boolean split) {
        Service s = service(service);
        Instant now = Instant.now();
        s.ring().add(now, stream, text, split);
        if (service.indexOf('/') < 0) s.file().append(now, stream, text, split);
        else own.append(now, service + " " + stream, text, split);
    }

    /** Writes what is buffered of one service (of banyan's own file for a logger, NAME/log); may block on its disk. */
    @Override
    public void flush(String service) {
        if (service.indexOf('/') >= 0) own.flush();
        else service(service).file().flush();
    }

    /** Writes what is buffered, every file. */
    public void flush() {
        for (Service s : services.values()) s.file().flush();
        own.flush();
    }

    /**
     * A message of banyan's own, to its own log file. Any thread says these, init's among them, so
     * they are written by a thread of their own: a frozen log disk must not hold up the one that
     * speaks. At most OWN_QUEUE wait; beyond, they are counted, and the file says how many it missed.
     */
    public void own(String message) {
        if (!ownQueue.offer(new Message(Instant.now(), message))) ownMissed.incrementAndGet();
    }

    private void writeOwn() {
        try {
            while (true) {
                Message m = ownQueue.take();
                do own.append(m.at(), "banyan", m.text(), false); while ((m = ownQueue.poll()) != null);
                long missed = ownMissed.getAndSet(0);
                if (missed > 0) own.append(Instant.now(), "banyan", missed + " message(s) of banyan's own were not written here:"
                        + " this file did not keep up (the console had them)", false);
                own.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The recent lines of a service (an empty ring when it has written nothing yet). */
    public Ring ring(String service) {
        return service(service).ring();
    }

    /** Lines of this service that could not be written to its file (disk full, for example). */
    public long lost(String service) {
        Service s = services.get(service);
        return s == null ? 0 : s.file().lost();
    }

    public void close() {
        for (Message m; (m = ownQueue.poll()) != null; ) own.append(m.at(), "banyan", m.text(), false);
        services.values().forEach(s -> s.file().close());
        own.close();
    }

    private Service service(String name) {
        return services.computeIfAbsent(name, n -> new Service(new Ring(RING_LINES, RING_CHARS),
                new LogFile(dir, n + ".log", config.maxSize(), config.maxFiles(), new LogFile.Recovery() {
                    @Override
                    public void failing(String file, String why) {
                        if (toldUnwritable) return;
                        report.accept("warning: " + n + ": log lines cannot be written to " + file + " (" + why + "); they are counted as"
                                + " lost (log_lines_lost) until writing works again: free space there, or make " + dir + " writable");
                    }

                    @Override
                    public void recovered(String file, long lost, String why) {
                        toldUnwritable = false; // the directory works now: a later failure is news
                        String m = n + ": " + lost + " log line(s) could not be written to " + file + " (" + why + "); writing again";
                        report.accept(m);
                        own(m);
                    }
                })));
    }
}

package banyan.supervise;

import banyan.os.Epoll;
import banyan.os.Fd;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One platform thread that reads every service's output pipes through epoll and cuts it into
 * lines. The pipes belong to the supervisors, which keep them across restarts, so a line written
 * just before a crash is still in the pipe when the next instance starts.
 */
public final class LogPump {
    /** Receives whole lines; a line longer than MAX_LINE arrives in pieces with split = true on all but the last. */
    public interface Sink {
        void line(String text, boolean split);
    }

    static final int MAX_LINE = 16 * 1024;
    private final Epoll epoll = new Epoll(256);
    private final ConcurrentHashMap<Integer, Reader> readers = new ConcurrentHashMap<>();
    private final java.util.List<Runnable> afterBatch = new java.util.concurrent.CopyOnWriteArrayList<>();

    private static final class Reader {
        final Sink sink;
        final ByteArrayOutputStream partial = new ByteArrayOutputStream(); // owned by the pump thread

        Reader(Sink sink) {
            this.sink = sink;
        }
    }

    public LogPump() {
        Thread.ofPlatform().name("banyan-logs").daemon(true).start(this::run);
    }

    public void watch(int fd, Sink sink) {
        readers.put(fd, new Reader(sink));
        epoll.add(fd);
    }

    /** Runs task on the pump thread after each round of reads, before it waits again (sinks flush there). */
    public void afterBatch(Runnable task) {
        afterBatch.add(task);
    }

    public void unwatch(int fd) {
        epoll.remove(fd);
        readers.remove(fd);
    }

    /** Waits until every watched pipe reached its end (all output read and handed on); false on timeout. */
    public boolean awaitDrained(java.time.Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        synchronized (readers) {
            while (!readers.isEmpty()) {
                long left = end - System.nanoTime();
                if (left <= 0) return false;
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(readers, left);
            }
        }
        return true;
    }

    private void run() {
        {
            byte[] buf = new byte[64 * 1024];
            while (true) {
                int n = epoll.await(-1);
                for (int i = 0; i < n; i++) {
                    int fd = epoll.readyFd(i);
                    Reader r = readers.get(fd);
                    if (r == null) continue;
                    try {
                        int got = Fd.read(fd, buf);
                        if (got > 0) feed(r, java.util.Arrays.copyOf(buf, got));
                        else if (got == 0) { // every write end is closed: the service is gone for good
                            if (r.partial.size() > 0) emit(r, false);
                            unwatch(fd);
                            Fd.close(fd);
                        }
                    } catch (RuntimeException e) {
                        readers.remove(fd);
                        epoll.remove(fd);
                        System.err.println("banyan: log pipe fd " + fd + ": " + e.getMessage());
                    }
                }
                for (Runnable task : afterBatch) task.run();
                synchronized (readers) {
                    readers.notifyAll(); // for awaitDrained, after the sinks have flushed
                }
            }
        }
    }

    private static void feed(Reader r, byte[] data) {
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] != '\n') continue;
            r.partial.write(data, start, i - start);
            emit(r, false);
            start = i + 1;
        }
        r.partial.write(data, start, data.length - start);
        while (r.partial.size() >= MAX_LINE) {
            byte[] all = r.partial.toByteArray();
            r.partial.reset();
            r.partial.write(all, MAX_LINE, all.length - MAX_LINE);
            r.sink.line(new String(all, 0, MAX_LINE, StandardCharsets.UTF_8), true);
        }
    }

    private static void emit(Reader r, boolean split) {
        String line = r.partial.toString(StandardCharsets.UTF_8);
        r.partial.reset();
        if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
        r.sink.line(line, split);
    }
}

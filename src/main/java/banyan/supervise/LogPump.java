package banyan.supervise;

import banyan.os.Epoll;
import banyan.os.Fd;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads every service's output pipes: one platform thread waits on all of them through epoll and
 * reads, and each pipe has a virtual thread of its own that cuts the bytes into lines and hands
 * them on (to the log file, which may block on a slow disk). So a slow or frozen log file holds
 * up only its own pipe: once a pipe has HIGH bytes read but not handed on, the pump stops reading
 * it until its thread catches up, the pipe fills, and the service blocks in write(2), as with
 * s6-log. The pipes belong to the supervisors, which keep them across restarts, so a line written
 * just before a crash is still in the pipe when the next instance starts.
 */
public final class LogPump {
    /** Receives whole lines; a line longer than MAX_LINE arrives in pieces with split = true on all but the last. */
    public interface Sink {
        void line(String text, boolean split);

        /** After each batch of lines, before this pipe's thread waits again: the place to flush a file. */
        default void batchEnd() {}
    }

    static final int MAX_LINE = 16 * 1024;
    /** Bytes of one pipe read but not yet handed on before the pump stops reading it: a pipe's own capacity. */
    static final int HIGH = 64 * 1024;
    /** Bytes of all pipes read but not yet handed on before the pump reads no more (a frozen disk holding many pipes). */
    static final long TOTAL = 16L << 20;
    private static final int READ = 64 * 1024;

    private final Epoll epoll = new Epoll(256);
    private final ConcurrentHashMap<Integer, Reader> readers = new ConcurrentHashMap<>();
    private final java.util.List<Runnable> afterBatch = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicLong buffered = new AtomicLong();               // bytes read, not handed on, all pipes
    private final ConcurrentLinkedQueue<Reader> starved = new ConcurrentLinkedQueue<>(); // paused for TOTAL

    private final class Reader {
        final int fd;
        final Sink sink;
        final ByteArrayOutputStream partial = new ByteArrayOutputStream(); // owned by this pipe's thread
        // guarded by this: chunks read by the pump, the bytes in them, and whether the pump stopped reading
        final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
        long queued;
        boolean paused, ended;

        Reader(int fd, Sink sink) {
            this.fd = fd;
            this.sink = sink;
        }

        /** On the pump thread: a chunk read. */
        synchronized void offer(byte[] chunk) {
            chunks.add(chunk);
            queued += chunk.length;
            if (queued >= HIGH) pause();
            notifyAll();
        }

        /** On the pump thread: no more reads; this pipe's thread hands on what it has, then closes the fd. */
        synchronized void end() {
            if (!paused) {
                try {
                    epoll.remove(fd);
                } catch (RuntimeException e) {
                    // gone from the set already: nothing to take out
                }
            }
            paused = true; // never added back
            ended = true;
            notifyAll();
        }

        /** On the pump thread, before a read: no read at all while every pipe together holds TOTAL. */
        synchronized boolean starve() {
            if (buffered.get() < TOTAL) return false;
            pause();
            starved.add(this);
            return true;
        }

        private void pause() {
            if (paused) return;
            paused = true;
            epoll.remove(fd);
        }

        /** On this pipe's thread: reads again once it has caught up and all pipes are under their bound. */
        synchronized void resumeIfRoom() {
            if (!paused || ended || queued >= HIGH / 2 || buffered.get() >= TOTAL) return;
            paused = false;
            epoll.add(fd);
        }

        synchronized byte[][] take() throws InterruptedException {
            while (chunks.isEmpty() && !ended) wait();
            byte[][] all = chunks.toArray(new byte[0][]);
            chunks.clear();
            return all;
        }

        synchronized void handedOn(long n) {
            queued -= n;
        }

        synchronized boolean done() {
            return ended && chunks.isEmpty();
        }

        /** The pipe's thread: lines out, then a flush, until the pipe's end has been handed on. */
        void deliver() {
            try {
                while (true) {
                    byte[][] batch = take();
                    long n = 0;
                    for (byte[] chunk : batch) {
                        feed(this, chunk);
                        n += chunk.length;
                    }
                    if (done() && partial.size() > 0) emit(this, false);
                    sink.batchEnd();
                    for (Runnable task : afterBatch) task.run();
                    handedOn(n);
                    if (buffered.addAndGet(-n) < TOTAL) wakeStarved();
                    resumeIfRoom();
                    if (done()) break;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                System.err.println("banyan: log pipe fd " + fd + ": " + e);
            }
            readers.remove(fd);
            Fd.close(fd);
            synchronized (readers) {
                readers.notifyAll(); // for awaitDrained
            }
        }
    }

    public LogPump() {
        Thread.ofPlatform().name("banyan-logs").daemon(true).start(this::run);
    }

    public void watch(int fd, Sink sink) {
        Reader r = new Reader(fd, sink);
        readers.put(fd, r);
        Thread.ofVirtual().name("log-fd" + fd).start(r::deliver);
        epoll.add(fd);
    }

    /** Runs task after each batch of lines of each pipe, on that pipe's thread (tests flush every file there). */
    public void afterBatch(Runnable task) {
        afterBatch.add(task);
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

    private void wakeStarved() {
        for (Reader r; (r = starved.poll()) != null; ) r.resumeIfRoom();
    }

    private void run() {
        byte[] buf = new byte[READ];
        while (true) {
            int n = epoll.await(-1);
            for (int i = 0; i < n; i++) {
                int fd = epoll.readyFd(i);
                Reader r = readers.get(fd);
                if (r == null) continue;
                try {
                    if (r.starve()) continue;
                    int got = Fd.read(fd, buf);
                    if (got > 0) {
                        buffered.addAndGet(got);
                        r.offer(java.util.Arrays.copyOf(buf, got));
                    } else if (got == 0) { // every write end is closed: the service is gone for good
                        r.end();
                    }
                } catch (RuntimeException e) {
                    System.err.println("banyan: log pipe fd " + fd + ": " + e.getMessage());
                    r.end();
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

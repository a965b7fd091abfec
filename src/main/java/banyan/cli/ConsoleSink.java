package banyan.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.LongFunction;

/**
 * One of banyan's standard streams as a server sees it: best effort. A console that nobody reads
 * (`banyan up | less` left alone, a runtime's log driver that blocks, a terminal stopped with
 * Ctrl-S) must never hold up a thread that reads service output or decides. Lines wait in a
 * bounded buffer for one writer thread; when the buffer is full they are dropped for the console
 * only (the log files have them all), and a line saying how many follows once it drains.
 */
final class ConsoleSink {
    /** Text held for a console that is behind: a few seconds of a busy stack, and a bound on banyan's memory. */
    static final int MAX_PENDING_BYTES = 1 << 20;
    /** A line longer than this is cut where it stands (for stray prints that never end a line). */
    static final int MAX_LINE = 64 << 10;

    private final OutputStream out;
    private final LongFunction<String> droppedLine;
    private ArrayDeque<String> pending = new ArrayDeque<>(); // guarded by this, as are the next three
    private long pendingBytes;
    private long dropped;
    private boolean writing;

    private static ConsoleSink stdout, stderr;

    /** Starts the writer of out, a daemon: at exit, what a console never took is left behind. */
    ConsoleSink(OutputStream out, String name, LongFunction<String> droppedLine) {
        this.out = out;
        this.droppedLine = droppedLine;
        Thread.ofPlatform().daemon().name(name).stackSize(256 << 10).start(this::run);
    }

    /**
     * Makes fd 1 and fd 2 best effort for the rest of this process: System.out and System.err
     * (what anything may print) go through a sink each; returns the one for fd 1.
     */
    static synchronized ConsoleSink installStandardStreams(LongFunction<String> droppedLine) {
        if (stdout == null) {
            stdout = new ConsoleSink(new FileOutputStream(FileDescriptor.out), "console-out", droppedLine);
            stderr = new ConsoleSink(new FileOutputStream(FileDescriptor.err), "console-err", droppedLine);
            System.setOut(stdout.printStream());
            System.setErr(stderr.printStream());
        }
        return stdout;
    }

    /** Waits, at most limit, until the console has taken every line offered so far (banyan's last words at exit). */
    static void drainStandardStreams(Duration limit) {
        long end = System.nanoTime() + limit.toNanos();
        for (ConsoleSink s : new ConsoleSink[] {stdout, stderr})
            if (s != null) s.drain(Math.max(0, end - System.nanoTime()));
    }

    /** Never blocks. */
    void offer(String line) {
        synchronized (this) {
            long size = line.length() + 1L; // chars: close enough to bytes for a bound
            if (pendingBytes + size > MAX_PENDING_BYTES) {
                dropped++;
                return;
            }
            pending.add(line);
            pendingBytes += size;
            notifyAll();
        }
    }

    synchronized long dropped() {
        return dropped;
    }

    private synchronized void drain(long nanos) {
        long end = System.nanoTime() + nanos;
        try {
            while ((writing || !pending.isEmpty()) && System.nanoTime() - end < 0) wait(Math.max(1, (end - System.nanoTime()) / 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        StringBuilder text = new StringBuilder();
        while (true) {
            ArrayDeque<String> batch;
            long lost;
            synchronized (this) {
                writing = false;
                notifyAll();
                while (pending.isEmpty()) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                batch = pending;
                pending = new ArrayDeque<>();
                pendingBytes = 0;
                lost = dropped;
                dropped = 0;
                writing = true;
            }
            text.setLength(0);
            for (String l : batch) text.append(l).append('\n');
            if (lost > 0) text.append(droppedLine.apply(lost)).append('\n'); // after what was held: where the gap ends
            try {
                out.write(text.toString().getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                // the console is gone (closed pipe, hung-up terminal): nothing to tell it; the log files go on
            }
        }
    }

    private PrintStream printStream() {
        return new PrintStream(new Lines(), true, StandardCharsets.UTF_8);
    }

    /** Bytes printed to System.out or System.err, offered line by line. */
    private final class Lines extends OutputStream {
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            if (b == '\n') flushLine();
            else {
                line.write(b);
                if (line.size() >= MAX_LINE) flushLine();
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) write(b[i]);
        }

        private void flushLine() {
            offer(line.toString(StandardCharsets.UTF_8));
            line.reset();
        }
    }
}

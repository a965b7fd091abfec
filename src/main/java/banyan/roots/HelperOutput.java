package banyan.roots;

import banyan.os.Epoll;
import banyan.os.Fd;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The output of roots' children (mount helpers, probes, unmounts), read by one platform thread
 * through epoll, so that a helper that keeps running (a FUSE server such as `sshfs -f`) never
 * blocks on a full pipe. Of each, the last lines are kept: they say why it failed.
 */
final class HelperOutput {
    private static final int KEEP = 3, LINE_MAX = 1024;
    private static final HelperOutput INSTANCE = new HelperOutput();

    private final Epoll epoll = new Epoll(16);
    private final Map<Integer, Tail> tails = new ConcurrentHashMap<>();

    private HelperOutput() {
        Thread.ofPlatform().name("banyan-roots-output").daemon(true).start(this::run);
    }

    static HelperOutput get() {
        return INSTANCE;
    }

    /** What one child wrote; lines also go to lines, when given. Reads are locked on it: the pump and tail() both read. */
    static final class Tail {
        private final int fd;
        private final Consumer<String> lines;
        private final ArrayDeque<String> last = new ArrayDeque<>();
        private final StringBuilder partial = new StringBuilder();
        private boolean closed;

        private Tail(int fd, Consumer<String> lines) {
            this.fd = fd;
            this.lines = lines;
        }

        /** The last lines written, and what is left unread now (never waits). */
        synchronized String text() {
            drain();
            StringBuilder b = new StringBuilder(String.join(" / ", last));
            if (!partial.isEmpty()) b.append(b.isEmpty() ? "" : " / ").append(partial);
            return b.toString();
        }

        /** Reads until the pipe is empty; at its end, closes it. */
        private synchronized void drain() {
            if (closed) return;
            byte[] buf = new byte[4096];
            int n;
            while ((n = Fd.read(fd, buf)) > 0) {
                for (String piece : new String(buf, 0, n, StandardCharsets.UTF_8).split("(?<=\n)")) {
                    if (!piece.endsWith("\n")) {
                        if (partial.length() < LINE_MAX) partial.append(piece);
                        continue;
                    }
                    partial.append(piece, 0, piece.length() - 1);
                    line(partial.toString());
                    partial.setLength(0);
                }
            }
            if (n == 0) {
                if (!partial.isEmpty()) line(partial.toString());
                partial.setLength(0);
                closed = true;
                INSTANCE.retire(this);
            }
        }

        private void line(String text) {
            String t = text.strip();
            if (t.isEmpty()) return;
            if (last.size() == KEEP) last.removeFirst();
            last.addLast(t.length() > LINE_MAX ? t.substring(0, LINE_MAX) : t);
            if (lines != null) lines.accept(t);
        }
    }

    /** Starts reading fd, a non-blocking read end that this pump now owns and closes at its end. */
    Tail watch(int fd, Consumer<String> lines) {
        Tail t = new Tail(fd, lines);
        tails.put(fd, t);
        epoll.add(fd);
        return t;
    }

    private void retire(Tail t) {
        tails.remove(t.fd, t);
        epoll.remove(t.fd);
        Fd.close(t.fd);
    }

    private void run() {
        while (true) {
            try {
                int n = epoll.await(-1);
                for (int i = 0; i < n; i++) {
                    Tail t = tails.get(epoll.readyFd(i));
                    if (t != null) t.drain();
                }
            } catch (RuntimeException e) {
                System.err.println("banyan: roots output: " + e); // a bug here must not end reading for every root
                java.util.concurrent.locks.LockSupport.parkNanos(100_000_000);
            }
        }
    }
}

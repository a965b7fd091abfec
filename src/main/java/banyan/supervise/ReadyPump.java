package banyan.supervise;

import banyan.os.Epoll;
import banyan.os.Fd;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One platform thread that waits (epoll) on every readiness fd: sd_notify sockets and s6 fd
 * pipes. A blocking read per service would hold a carrier thread each; this holds one in all.
 * Handlers run on this thread and must only read and hand over. Only this thread closes a
 * watched fd ({@link #retire}), so a handler never reads an fd number that was reused meanwhile.
 */
final class ReadyPump {
    private static final ReadyPump INSTANCE = new ReadyPump();

    private final Epoll epoll = new Epoll(256);
    private final Map<Integer, Runnable> handlers = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Integer> toClose = new ConcurrentLinkedQueue<>();
    private final java.util.Set<Integer> paused = new java.util.HashSet<>(); // guarded by this: out of the epoll set for now
    private final Fd.Pipe wake = Fd.pipe(true);

    private ReadyPump() {
        epoll.add(wake.readEnd());
        Thread.ofPlatform().name("banyan-ready").daemon(true).start(this::run);
    }

    static ReadyPump get() {
        return INSTANCE;
    }

    /** Calls onReadable on the pump thread whenever fd (non-blocking) has input; it must consume it. */
    void watch(int fd, Runnable onReadable) {
        handlers.put(fd, onReadable);
        epoll.add(fd);
    }

    /** Stops reading fd for now (its reader is behind); any thread. */
    synchronized void pause(int fd) {
        if (handlers.containsKey(fd) && paused.add(fd)) epoll.remove(fd);
    }

    /** Reads fd again after {@link #pause}; any thread. */
    synchronized void resume(int fd) {
        if (paused.remove(fd) && handlers.containsKey(fd)) epoll.add(fd);
    }

    /** Stops watching fd and closes it, on the pump thread. Safe from any thread, also from a handler. */
    synchronized void retire(int fd) {
        if (handlers.remove(fd) == null) return;
        if (!paused.remove(fd)) epoll.remove(fd);
        toClose.add(fd);
        Fd.write(wake.writeEnd(), new byte[]{1});
    }

    private void run() {
        byte[] scratch = new byte[64];
        while (true) {
            int n = epoll.await(-1);
            for (int i = 0; i < n; i++) {
                int fd = epoll.readyFd(i);
                if (fd == wake.readEnd()) {
                    while (Fd.read(fd, scratch) > 0) { /* drain */ }
                    continue;
                }
                Runnable h = handlers.get(fd);
                if (h == null) continue;
                try {
                    h.run();
                } catch (RuntimeException e) {
                    System.err.println("banyan: readiness fd " + fd + ": " + e.getMessage());
                    retire(fd);
                }
            }
            for (Integer fd; (fd = toClose.poll()) != null; ) Fd.close(fd);
        }
    }
}

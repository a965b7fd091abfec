package banyan.supervise;

import banyan.os.NotifySocket;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * sd_notify datagrams on their way from the ready pump to a service's mailbox, at most MAX at a
 * time. Beyond that the pump stops reading the service's socket until the service thread has
 * caught up: the kernel's queue of the socket fills and the service's sendmsg(2) waits, as a full
 * log pipe makes its write wait. So a service that floods its socket slows itself; no datagram
 * is dropped, and banyan's memory does not grow.
 */
final class Notices {
    static final int MAX = 64;
    private final AtomicInteger queued = new AtomicInteger();
    private boolean paused;  // guarded by this
    private int fd = -1;     // guarded by this: the socket paused

    /** The ready pump's thread: hands datagrams on while there is room, else stops reading the socket. */
    void drain(NotifySocket socket, Consumer<NotifySocket.Message> to) {
        while (queued.get() < MAX) {
            Optional<NotifySocket.Message> m = socket.receive();
            if (m.isEmpty()) return;
            queued.incrementAndGet();
            to.accept(m.get());
        }
        synchronized (this) {
            if (paused) return;
            paused = true;
            fd = socket.fd();
            ReadyPump.get().pause(fd);
            if (queued.get() <= MAX / 2) resume(); // the service thread caught up meanwhile
        }
    }

    /** The service thread: one datagram handled. */
    void taken() {
        if (queued.decrementAndGet() > MAX / 2) return;
        synchronized (this) {
            if (paused) resume();
        }
    }

    private void resume() {
        paused = false;
        ReadyPump.get().resume(fd);
    }
}

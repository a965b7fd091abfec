package banyan.manage;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The stack's inbox, bounded. Commands (starts, stops, reloads, waiters) take room, and a flood
 * of them (API requests) blocks its callers, never the stack thread or a supervisor. State
 * changes are not queued one by one: a change is a wake-up, and one wake-up in the inbox serves
 * every change until the stack takes it, since each pass reads every service's status. So the
 * inbox holds at most COMMANDS commands and one wake-up, besides the roots' changes (note).
 */
final class Inbox {
    static final int COMMANDS = 1024;
    private static final Runnable WAKE = () -> {};
    private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final Semaphore room = new Semaphore(COMMANDS);
    private final AtomicBoolean woken = new AtomicBoolean(); // a WAKE is in the queue

    /** Any thread; waits while COMMANDS commands are queued. */
    void command(Runnable r) {
        room.acquireUninterruptibly();
        queue.offer(() -> {
            room.release();
            r.run();
        });
    }

    /**
     * A root's thread, never blocks: its state changed (r carries the change). Bounded by its
     * producers: a root publishes a change only after acting on one, a handful per loss.
     */
    void note(Runnable r) {
        queue.offer(r);
    }

    /** Any thread, never blocks: a service's state changed. */
    void wake() {
        if (woken.compareAndSet(false, true)) queue.offer(WAKE);
    }

    /** The stack thread: the next command or wake-up. */
    Runnable take() throws InterruptedException {
        return taken(queue.take());
    }

    /** The stack thread: the next one if there is one, else null. */
    Runnable poll() {
        Runnable r = queue.poll();
        return r == null ? null : taken(r);
    }

    private Runnable taken(Runnable r) {
        if (r == WAKE) woken.set(false); // before the pass reads the statuses: a later change wakes it again
        return r;
    }
}

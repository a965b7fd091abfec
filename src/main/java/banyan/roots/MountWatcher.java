package banyan.roots;

import banyan.os.MountTable;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One platform thread that waits for the mount table to change (poll on mountinfo) and tells
 * every root, which then reads the table on its own thread. That is how a root unmounted by
 * someone else is seen at once, without polling.
 */
final class MountWatcher {
    private static final MountWatcher INSTANCE = new MountWatcher();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    private MountWatcher() {
        Thread.ofPlatform().name("banyan-mounts").daemon(true).start(this::run);
    }

    static MountWatcher get() {
        return INSTANCE;
    }

    /** onChange runs on the watcher's thread: it must only hand over (offer to a mailbox). */
    void add(Runnable onChange) {
        listeners.add(onChange);
    }

    void remove(Runnable onChange) {
        listeners.remove(onChange);
    }

    private void run() {
        try (MountTable.Watch watch = new MountTable.Watch()) {
            while (true) {
                if (watch.await(-1)) listeners.forEach(Runnable::run);
            }
        } catch (RuntimeException e) {
            // Without /proc there is no table to watch: probes alone must see a loss then.
            System.err.println("banyan: roots: cannot watch the mount table (" + e.getMessage() + "); probes alone will see losses");
        }
    }
}

package banyan.control;

import banyan.roots.RootStatus;
import banyan.supervise.Host;
import banyan.supervise.ServiceStatus;

import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * State changes fanned out to the clients of GET /v1/events. Each client has a bounded queue; the
 * services' threads only offer to it, so a client that stops reading loses its subscription
 * (and its stream is ended), never a supervisor's time.
 */
public final class Events implements Host.Listener {
    static final int QUEUE = 1024;

    /** A service's change (event "state") or a root's (event "root"). */
    sealed interface Change {}

    record State(ServiceStatus before, ServiceStatus now) implements Change {}

    record Root(RootStatus before, RootStatus now) implements Change {}

    static final class Subscription implements AutoCloseable {
        final BlockingQueue<Change> queue = new ArrayBlockingQueue<>(QUEUE);
        volatile boolean overflowed;
        private final Events owner;

        Subscription(Events owner) {
            this.owner = owner;
        }

        @Override
        public void close() {
            owner.subscribers.remove(this);
        }
    }

    private final Set<Subscription> subscribers = ConcurrentHashMap.newKeySet();

    Subscription subscribe() {
        Subscription s = new Subscription(this);
        subscribers.add(s);
        return s;
    }

    @Override
    public void changed(ServiceStatus before, ServiceStatus now) {
        offer(new State(before, now));
    }

    /** A root's change; called on the root's thread, so it only offers. */
    public void rootChanged(RootStatus before, RootStatus now) {
        offer(new Root(before, now));
    }

    private void offer(Change c) {
        for (Subscription s : subscribers) {
            if (!s.queue.offer(c)) {
                s.overflowed = true;
                subscribers.remove(s);
            }
        }
    }
}

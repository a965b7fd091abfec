package banyan.control;

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

    record Change(ServiceStatus before, ServiceStatus now) {}

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
        for (Subscription s : subscribers) {
            if (!s.queue.offer(new Change(before, now))) {
                s.overflowed = true;
                subscribers.remove(s);
            }
        }
    }
}

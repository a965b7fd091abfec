package banyan.supervise;

import java.util.concurrent.atomic.AtomicLong;

/** Abstract socket names for sd_notify: unique per banyan process and per supervisor, short enough for sun_path. */
final class NotifyNames {
    private NotifyNames() {}

    private static final AtomicLong COUNTER = new AtomicLong();

    static String next(String service) {
        String tail = service.length() > 40 ? service.substring(0, 40) : service;
        return "banyan/" + ProcessHandle.current().pid() + "/" + COUNTER.incrementAndGet() + "/" + tail;
    }
}

package banyan.os;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition the kernel gives no event for (a process gone from /proc, a cgroup
 * emptied, a socket closed): tested at once, then after pauses that double from first to most.
 * The wait ends within one pause of the condition, with no fixed sleep.
 */
public final class Poll {
    private Poll() {}

    /** True once done holds, false if limit passed first. done may act (send a signal) as well as test. */
    public static boolean until(BooleanSupplier done, Duration limit, Duration first, Duration most) {
        long end = System.nanoTime() + limit.toNanos();
        long pause = first.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - end > 0) return false;
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, most.toNanos());
        }
        return true;
    }
}

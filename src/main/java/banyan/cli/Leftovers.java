package banyan.cli;

import banyan.os.Proc;
import banyan.os.Signals;

import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * After the stack is down: every process still descended from banyan (a daemon that escaped its
 * group without a cgroup to catch it) is killed, and we wait for the reaper to collect it.
 */
final class Leftovers {
    private Leftovers() {}

    static void killAll(int self) {
        long end = System.nanoTime() + 5_000_000_000L;
        long pause = 100_000;
        while (System.nanoTime() < end) {
            List<Integer> left = Proc.descendants(self);
            if (left.isEmpty()) return;
            for (int pid : left) Signals.kill(pid, Signals.KILL);
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 20_000_000);
        }
    }
}

package banyan.init;

import banyan.os.Machine;
import banyan.os.Mounts;
import banyan.os.Mounts.Mount;
import banyan.os.OsException;
import banyan.os.Proc;
import banyan.os.Signals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Stage 4: what the services left behind. SIGTERM and SIGCONT to every remaining process, a
 * wait that ends as soon as they are gone (or the grace time is over), SIGKILL to the rest,
 * then sync and the filesystems.
 */
final class Stage4 {
    private Stage4() {}

    private static final Duration KILL_LIMIT = Duration.ofSeconds(5); // after SIGKILL only D-state sleepers remain

    /**
     * As PID 1, kill(-1) reaches every process of the namespace, those that entered it with
     * setns (parent outside) included; otherwise banyan may only touch its own descendants.
     * Returns how many processes were still there after the grace time.
     */
    static int killRemaining(boolean pid1, int self, Duration grace, Consumer<String> log) {
        if (!anyLeft(pid1, self)) {
            log.accept("stage 4: no process left");
            return 0;
        }
        int before = remaining(pid1, self).size();
        long start = System.nanoTime();
        signalAll(pid1, self, Signals.TERM);
        signalAll(pid1, self, Signals.CONT); // a stopped process must run to see its SIGTERM
        boolean gone = awaitNone(pid1, self, grace);
        long ms = (System.nanoTime() - start) / 1_000_000;
        if (gone) {
            log.accept("stage 4: " + before + " remaining process(es) ended on SIGTERM within " + ms + "ms; no process left");
            return 0;
        }
        int stubborn = remaining(pid1, self).size();
        log.accept("stage 4: " + stubborn + " process(es) outlived the grace time (" + grace.toMillis() + "ms): SIGKILL");
        signalAll(pid1, self, Signals.KILL);
        if (awaitNone(pid1, self, KILL_LIMIT)) log.accept("stage 4: no process left");
        else log.accept("stage 4: " + remaining(pid1, self) + " survived SIGKILL (uninterruptible sleep?); going on");
        return stubborn;
    }

    /**
     * The processes stage 4 is after. As PID 1 that is every process /proc shows but banyan and
     * the kernel's threads (in the machine's first PID namespace only); those that entered the
     * namespace from outside have no parent in it, so they are no descendants of ours.
     */
    static List<Integer> remaining(boolean pid1, int self) {
        if (!pid1) return Proc.descendants(self);
        List<Integer> out = new ArrayList<>();
        try (var dirs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path d : dirs) {
                int pid = Integer.parseInt(d.getFileName().toString());
                if (pid == self) continue;
                try {
                    if (!kernelThread(Files.readString(d.resolve("stat")))) out.add(pid);
                } catch (IOException | RuntimeException e) {
                    // gone meanwhile
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** PF_KTHREAD, in the flags of /proc/PID/stat. */
    static final long PF_KTHREAD = 0x00200000;

    /** Whether a line of /proc/PID/stat is a kernel thread's: signals do not end those, and they never exit. */
    static boolean kernelThread(String stat) {
        // pid (comm) state ppid pgrp session tty_nr tpgid flags ...; comm may hold spaces and parentheses
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", 8);
        return (Long.parseLong(f[6]) & PF_KTHREAD) != 0;
    }

    private static void signalAll(boolean pid1, int self, int signal) {
        if (pid1) {
            kill(-1, signal);
            return;
        }
        for (int pid : Proc.descendants(self)) kill(pid, signal);
    }

    /**
     * Zombies count as left until the reaper collects them, which it does at once. kill(-1, 0)
     * answers quickly that nothing is left in a container, but on a machine it also reaches the
     * kernel's threads, which are always there: /proc then tells.
     */
    private static boolean anyLeft(boolean pid1, int self) {
        return pid1 ? kill(-1, 0) && !remaining(true, self).isEmpty() : !Proc.descendants(self).isEmpty();
    }

    private static boolean kill(int pid, int signal) {
        try {
            return Signals.kill(pid, signal);
        } catch (OsException e) {
            return false; // EPERM: what is left is not ours to signal (another user's, as a non-root init)
        }
    }

    /** Polls with a pause growing from 50µs to 5ms: the wait ends within 5ms of the last exit, without a fixed sleep. */
    private static boolean awaitNone(boolean pid1, int self, Duration limit) {
        long end = System.nanoTime() + limit.toNanos();
        long pause = 50_000;
        while (anyLeft(pid1, self)) {
            if (System.nanoTime() > end) return false;
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 5_000_000);
        }
        return true;
    }

    /**
     * A machine: every mount under root but root itself, in reverse mount order; what stays busy
     * (whatever holds banyan's own runtime) and then root are remounted read-only so the disk is
     * clean. root is "/" but in the tests, which cannot remount a host's root.
     */
    static void unmountAll(List<Mount> table, String root, Consumer<String> log) {
        int unmounted = 0;
        List<String> readOnly = new ArrayList<>(), failed = new ArrayList<>();
        String under = root.endsWith("/") ? root : root + "/";
        for (Mount m : table.reversed()) {
            if (m.point().equals(root) || !m.point().startsWith(under)) continue;
            try {
                Mounts.unmount(m.point(), 0);
                unmounted++;
            } catch (OsException e) {
                if (remountReadOnly(m.point())) readOnly.add(m.point());
                else failed.add(m.point() + " (" + e.getMessage() + ")");
            }
        }
        if (remountReadOnly(root)) readOnly.add(root);
        else failed.add(root);
        log.accept("stage 4: unmounted " + unmounted + ", read-only " + readOnly + (failed.isEmpty() ? "" : ", failed " + failed));
    }

    /** A container: only what stage 1 mounted, in reverse order; the runtime takes down the rest. */
    static void unmountOurs(List<String> made, Consumer<String> log) {
        for (String point : made.reversed()) {
            try {
                Mounts.unmount(point, Mounts.MNT_DETACH);
            } catch (OsException e) {
                log.accept("stage 4: " + e.getMessage());
            }
        }
    }

    private static boolean remountReadOnly(String point) {
        try {
            Mounts.remountReadOnly(point);
            return true;
        } catch (OsException e) {
            return false;
        }
    }

    static void sync() {
        Machine.sync();
    }

    /** The end of a machine. If reboot(2) fails there is nothing left to run: stay, since PID 1 may not exit. */
    static void powerDown(Action action, Consumer<String> log) {
        log.accept("stage 4: " + action.word());
        try {
            Machine.reboot(switch (action) {
                case REBOOT -> Machine.Reboot.RESTART;
                case POWEROFF -> Machine.Reboot.POWER_OFF;
                case HALT -> Machine.Reboot.HALT;
            });
        } catch (OsException e) {
            log.accept("stage 4: " + e.getMessage() + "; the system is stopped, power it off by hand");
        }
        while (true) LockSupport.park();
    }
}

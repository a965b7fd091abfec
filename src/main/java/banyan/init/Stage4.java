package banyan.init;

import banyan.os.Machine;
import banyan.os.Mounts;
import banyan.os.Mounts.Mount;
import banyan.os.OsException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/** Stage 4 after the processes are gone ({@link Remaining}): sync and the filesystems. */
final class Stage4 {
    private Stage4() {}

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

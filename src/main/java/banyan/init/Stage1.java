package banyan.init;

import banyan.os.Machine;
import banyan.os.Mounts;
import banyan.os.Mounts.Mount;
import banyan.os.OsException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import static banyan.os.Mounts.MS_NODEV;
import static banyan.os.Mounts.MS_NOEXEC;
import static banyan.os.Mounts.MS_NOSUID;
import static banyan.os.Mounts.MS_RELATIME;

/**
 * Stage 1: the filesystems every service expects, mounted only where missing (a container runtime
 * or an initramfs may have done it already), then the hostname and the console. Each failure is
 * reported and skipped: a machine with no /run still boots better than one whose init gave up.
 */
final class Stage1 {
    private Stage1() {}

    /** A mount stage 1 makes when nothing is mounted at point yet. */
    record Wanted(String point, String fsType, long flags, String data, boolean machineOnly) {}

    static final List<Wanted> WANTED = List.of(
            new Wanted("/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME, "", false),
            new Wanted("/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME, "", false),
            // devtmpfs shows the host's devices: a container's runtime gives it its own /dev instead
            new Wanted("/dev", "devtmpfs", MS_NOSUID | MS_RELATIME, "mode=0755", true),
            new Wanted("/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC | MS_RELATIME, "gid=5,mode=620,ptmxmode=666", false),
            new Wanted("/run", "tmpfs", MS_NOSUID | MS_NODEV | MS_RELATIME, "mode=0755", false),
            new Wanted("/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME, "", false));

    /** What is missing from table, in the order to mount it. cgroup2 counts as present wherever it is mounted. */
    static List<Wanted> missing(List<Mount> table, boolean machine) {
        List<Wanted> out = new ArrayList<>();
        for (Wanted w : WANTED) {
            if (w.machineOnly() && !machine) continue;
            boolean present = w.fsType().equals("cgroup2")
                    ? table.stream().anyMatch(m -> m.fsType().equals("cgroup2")) || table.stream().anyMatch(m -> m.point().equals(w.point()))
                    : table.stream().anyMatch(m -> m.point().equals(w.point()));
            if (!present) out.add(w);
        }
        return out;
    }

    /** Mounts what is missing; returns the mount points it mounted, in order. */
    static List<String> mount(boolean machine, Consumer<String> log) {
        return mount(WANTED, machine, log);
    }

    /** /proc alone, before anything else: the mode and the mount table are read from it. */
    static List<String> mountProc(Consumer<String> log) {
        return mount(WANTED.subList(0, 1), false, log);
    }

    /** /run alone, for the core that goes below it before stage 1 runs (RamCore). */
    static List<String> mountRun(Consumer<String> log) {
        return mount(WANTED.stream().filter(w -> w.point().equals("/run")).toList(), false, log);
    }

    private static List<String> mount(List<Wanted> which, boolean machine, Consumer<String> log) {
        List<String> made = new ArrayList<>();
        for (Wanted w : which) {
            // re-read each time: /proc/self/mountinfo itself appears with the first mount
            if (!missing(Mounts.table(), machine).contains(w)) continue;
            try {
                Files.createDirectories(Path.of(w.point()));
                Mounts.mount(w.fsType(), w.point(), w.fsType(), w.flags(), w.data());
                made.add(w.point());
                log.accept("stage 1: mounted " + w.fsType() + " on " + w.point());
            } catch (OsException | IOException e) {
                log.accept("stage 1: cannot mount " + w.fsType() + " on " + w.point() + ": " + e.getMessage() + "; going on without it");
            }
        }
        return made;
    }

    static void hostname(String name, Consumer<String> log) {
        try {
            Machine.setHostname(name);
            log.accept("stage 1: hostname " + name);
        } catch (OsException e) {
            log.accept("stage 1: cannot set hostname: " + e.getMessage() + "; keeping the old one");
        }
    }

    static void console(Consumer<String> log) {
        try {
            int n = Machine.openConsole("/dev/console");
            if (n > 0) log.accept("stage 1: /dev/console opened on " + n + " closed standard fd(s)");
        } catch (OsException e) {
            // nowhere to print this but stderr, which may be closed: nothing more to do
            log.accept("stage 1: " + e.getMessage());
        }
    }

    /** What stage 1 found and made: the mode, the boot settings, and the mounts it made. */
    record Outcome(Init.Mode mode, BootSettings settings, List<String> made) {}

    /** Stage 1 of a PID 1: /proc first (to tell the mode), then the rest, the boot variables, the console and the hostname. */
    static Outcome run(Map<String, String> boot, Optional<Init.Mode> forcedMode, Consumer<String> log) {
        List<String> made = new ArrayList<>(mountProc(log));
        Init.Mode mode = forcedMode.orElseGet(Stage1::detect);
        boolean machine = mode == Init.Mode.MACHINE;
        made.addAll(mount(machine, log));
        Map<String, String> vars = machine ? BootSettings.overlayKernel(boot, log) : boot;
        BootSettings.Parsed parsed = BootSettings.parse(vars);
        parsed.problems().forEach(p -> log.accept("stage 1: " + p + " (default used)"));
        BootSettings settings = parsed.settings();
        if (machine) {
            console(log);
            try {
                Machine.reboot(Machine.Reboot.CAD_OFF); // ctrl-alt-del: SIGINT to us, not an instant reboot
            } catch (OsException e) {
                log.accept("stage 1: ctrl-alt-del stays with the kernel: " + e.getMessage());
            }
        }
        settings.hostname().or(() -> machine ? BootSettings.etcHostname() : Optional.empty()).ifPresent(h -> hostname(h, log));
        return new Outcome(mode, settings, made);
    }

    /** The first PID namespace is a machine's; any other is a container's, as is a process marked by $container. */
    static Init.Mode detect() {
        if (System.getenv("container") != null) return Init.Mode.CONTAINER;
        return Machine.inInitialPidNamespace().orElse(false) ? Init.Mode.MACHINE : Init.Mode.CONTAINER;
    }
}

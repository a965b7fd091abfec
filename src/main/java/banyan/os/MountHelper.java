package banyan.os;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The argv of banyan-mount (src/main/c/banyan-mount.c), the child that makes the calls of roots
 * that can block on a filesystem: bind, device (with its loop device), move, umount, and the
 * probes that read a file or run a program inside a root. It sits beside the exec step named by
 * -Dbanyan.exec, built by the same step.
 */
public final class MountHelper {
    private MountHelper() {}

    public static final String NAME = "banyan-mount";

    /** The helper's path, where it is built or installed; empty when it is missing. */
    public static Optional<Path> find() {
        String exec = System.getProperty("banyan.exec");
        if (exec == null) return Optional.empty();
        Path p = Path.of(exec).resolveSibling(NAME);
        return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }

    public static List<String> bind(Path helper, String source, String target) {
        return List.of(helper.toString(), "bind", source, target);
    }

    /** A device or an image file (through a loop device that clears itself once unmounted). */
    public static List<String> device(Path helper, String source, String target, String fsType, String options) {
        Mounts.Options o = Mounts.options(options);
        return List.of(helper.toString(), "device", source, target, fsType, Long.toString(o.flags()), o.data());
    }

    public static List<String> move(Path helper, String from, String to) {
        return List.of(helper.toString(), "move", from, to);
    }

    public static List<String> unmount(Path helper, String target, int flags) {
        return List.of(helper.toString(), "umount", target, Integer.toString(flags));
    }

    /** Opens and reads file: a frozen FUSE server answers stat from its cache, never a read. */
    public static List<String> read(Path helper, String file) {
        return List.of(helper.toString(), "read", file);
    }

    /** Runs argv with dir as its root directory. */
    public static List<String> chroot(Path helper, String dir, List<String> argv) {
        List<String> out = new ArrayList<>(List.of(helper.toString(), "chroot", dir));
        out.addAll(argv);
        return out;
    }
}

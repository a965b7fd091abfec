package banyan.roots;

import banyan.config.RootConfig;
import banyan.os.MountHelper;
import banyan.os.MountTable;
import banyan.os.Mounts;
import banyan.os.OsException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where every root of one banyan is seen: a private tmpfs (design.md: /run/banyan/roots), with a
 * directory per root that holds its current mount, and .stage/, where a source is mounted and
 * probed before it moves into place. It makes the supervisors of the roots.
 */
public final class Roots {
    public static final Path BASE = RootConfig.PLACES;
    /** The tmpfs holds only empty directories: mount points. */
    private static final long BASE_SIZE = 1L << 20;

    /** A root's state changes and what it did, for the log; called on the root's own thread, so they must not block. */
    public interface Listener {
        void changed(RootStatus before, RootStatus now);

        default void note(String root, String text) {}
    }

    private final Path base;
    private final Path helper;
    private final Listener listener;

    /**
     * Prepares base: a tmpfs there unless it is a mount point already, made private so that
     * nothing mounted under it propagates in or out (and so that a mount can move within it).
     *
     * @throws IllegalStateException with what to do, when it cannot (not root, no helper)
     */
    public Roots(Path base, Listener listener) {
        this.base = base.toAbsolutePath().normalize();
        this.listener = listener;
        this.helper = MountHelper.find().orElseThrow(() -> new IllegalStateException(
                MountHelper.NAME + " is missing beside banyan-exec (-Dbanyan.exec); rebuild banyan"));
        try {
            Files.createDirectories(this.base);
            if (MountTable.top(MountTable.read(), this.base.toString()).isEmpty()) Mounts.tmpfs(this.base.toString(), BASE_SIZE);
            Mounts.makePrivate(this.base.toString());
            Files.createDirectories(stages());
        } catch (IOException | OsException e) {
            throw new IllegalStateException("cannot prepare " + this.base + " for roots: " + e.getMessage()
                    + (e instanceof OsException o && o.errno() == OsException.EPERM ? " (roots need root, or CAP_SYS_ADMIN)" : ""), e);
        }
    }

    /** A supervisor for config, down until started; its place is base/NAME. */
    public RootSupervisor supervise(RootConfig config) {
        return new RootSupervisor(config, this);
    }

    public Path base() {
        return base;
    }

    /** Where root name is seen. */
    public Path place(String name) {
        return base.resolve(name);
    }

    Path stages() {
        return base.resolve(".stage");
    }

    Path helper() {
        return helper;
    }

    Listener listener() {
        return listener;
    }

    /** The mount at path, if it is a mount point. */
    static Optional<MountTable.Entry> at(java.util.List<MountTable.Entry> table, Path path) {
        return MountTable.top(table, path.toString());
    }
}

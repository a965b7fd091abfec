package banyan.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Ends a FUSE connection from outside: the one way (the kernel's fuse.rst) that always wakes
 * the processes waiting on a dead server, which no signal frees once the server holds their
 * request. Writing the abort file is answered by the kernel alone, so it cannot block.
 */
public final class Fuse {
    private Fuse() {}

    public static final Path CONNECTIONS = Path.of("/sys/fs/fuse/connections");

    /**
     * Aborts connection minor (the minor of the mount's st_dev), mounting fusectl first where it
     * is missing. False when no such connection exists (it ended already).
     */
    public static boolean abort(int minor) {
        if (!fusectlMounted()) {
            try {
                Mounts.mount("fusectl", CONNECTIONS.toString(), "fusectl", 0, "");
            } catch (OsException e) {
                if (e.errno() != EBUSY) throw e; // EBUSY: mounted meanwhile by someone else
            }
        }
        Path abort = CONNECTIONS.resolve(Integer.toString(minor)).resolve("abort");
        if (!Files.exists(abort)) return false;
        try {
            Files.writeString(abort, "1");
            return true;
        } catch (IOException e) {
            if (!Files.exists(abort)) return false;
            throw new IllegalStateException("write " + abort + ": " + e.getMessage(), e);
        }
    }

    private static final int EBUSY = 16;

    private static boolean fusectlMounted() {
        return MountTable.top(MountTable.read(), CONNECTIONS.toString()).filter(e -> e.fsType().equals("fusectl")).isPresent();
    }
}

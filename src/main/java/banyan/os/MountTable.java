package banyan.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * /proc/self/mountinfo with each mount's device number, and a way to wait for it to change.
 * Reading it never touches the mounted filesystems (the kernel prints what it holds), so a
 * dead network mount cannot block it.
 */
public final class MountTable {
    private MountTable() {}

    /** One mount: its id, parent, st_dev (major:minor; a FUSE connection is named by its minor), place and kind. */
    public record Entry(int id, int parent, int major, int minor, String point, String fsType, String source) {
        public boolean fuse() {
            return fsType.equals("fuse") || fsType.equals("fuseblk") || fsType.startsWith("fuse.");
        }
    }

    public static List<Entry> read() {
        try {
            return parse(Files.readAllLines(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS (proc(5)). */
    public static List<Entry> parse(List<String> lines) {
        List<Entry> out = new ArrayList<>();
        for (String line : lines) {
            int dash = line.indexOf(" - ");
            if (dash < 0) continue;
            String[] f = line.substring(0, dash).split(" ");
            String[] g = line.substring(dash + 3).split(" ");
            int colon = f.length > 2 ? f[2].indexOf(':') : -1;
            if (f.length < 6 || g.length < 2 || colon < 0) continue;
            out.add(new Entry(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2].substring(0, colon)),
                    Integer.parseInt(f[2].substring(colon + 1)), Mounts.unescape(f[4]), g[0], Mounts.unescape(g[1])));
        }
        return out;
    }

    /**
     * What is seen at point: of the mounts stacked there, the one no other mount at point sits on.
     * Empty when point is not a mount point.
     */
    public static Optional<Entry> top(List<Entry> table, String point) {
        List<Entry> here = table.stream().filter(e -> e.point().equals(point)).toList();
        return here.stream().filter(e -> here.stream().noneMatch(o -> o.parent() == e.id())).reduce((a, b) -> b);
    }

    private static final int O_RDONLY_CLOEXEC = 0x80000, POLLPRI = 2, POLLERR = 8;
    private static final MethodHandle OPEN = Native.errnoCallVariadic("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
    private static final MethodHandle POLL = Native.errnoCall("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    /**
     * A wait for the next change of this namespace's mount table: the kernel marks an open
     * mountinfo with POLLPRI | POLLERR after any mount, unmount or move. For one thread.
     */
    public static final class Watch implements AutoCloseable {
        private final int fd;
        private final Arena arena = Arena.ofConfined();
        private final MemorySegment pollfd = arena.allocate(8, 4), capture = Native.capture(arena);

        public Watch() {
            try {
                int f = (int) OPEN.invokeExact(capture, arena.allocateFrom("/proc/self/mountinfo"), O_RDONLY_CLOEXEC, 0);
                if (f < 0) throw new OsException("open", "/proc/self/mountinfo", Native.errno(capture));
                fd = f;
            } catch (Throwable t) {
                throw Native.rethrow(t);
            }
        }

        /** True when the table changed since the last call (or since open), false when timeoutMillis passed first. */
        public boolean await(int timeoutMillis) {
            pollfd.set(JAVA_INT, 0, fd);
            pollfd.set(JAVA_SHORT, 4, (short) POLLPRI);
            pollfd.set(JAVA_SHORT, 6, (short) 0);
            try {
                int n = (int) POLL.invokeExact(capture, pollfd, 1L, timeoutMillis);
                if (n < 0 && Native.errno(capture) != OsException.EINTR) throw new OsException("poll", "/proc/self/mountinfo", Native.errno(capture));
                return n > 0 && (pollfd.get(JAVA_SHORT, 6) & (POLLPRI | POLLERR)) != 0;
            } catch (Throwable t) {
                throw Native.rethrow(t);
            }
        }

        @Override
        public void close() {
            Fd.close(fd);
            arena.close();
        }
    }
}

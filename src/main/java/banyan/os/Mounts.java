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

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** mount(2), umount2(2) and the mount table of banyan's mount namespace (/proc/self/mountinfo). */
public final class Mounts {
    private Mounts() {}

    public static final long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_SYNCHRONOUS = 16, MS_REMOUNT = 32,
            MS_DIRSYNC = 128, MS_NOATIME = 1024, MS_NODIRATIME = 2048, MS_BIND = 4096, MS_MOVE = 8192, MS_REC = 16384,
            MS_PRIVATE = 1 << 18, MS_RELATIME = 1 << 21, MS_STRICTATIME = 1 << 24, MS_LAZYTIME = 1 << 25;
    /** umount2: MNT_FORCE asks the filesystem to give up on pending requests (NFS, FUSE abort); MNT_DETACH unmounts lazily. */
    public static final int MNT_FORCE = 1, MNT_DETACH = 2;

    private static final MethodHandle MOUNT = Native.errnoCall("mount",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle UMOUNT2 = Native.errnoCall("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

    /** One line of mountinfo: where, what filesystem, from which source, in mount order. */
    public record Mount(int id, int parent, String point, String fsType, String source, String options) {}

    /** mount(2); data is the filesystem's option string ("" for none). Throws OsException (EPERM, EBUSY, ENOENT...). */
    public static void mount(String source, String target, String fsType, long flags, String data) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            int rc = (int) MOUNT.invokeExact(cap, str(a, source), a.allocateFrom(target), str(a, fsType), flags, str(a, data));
            if (rc < 0) throw new OsException("mount", fsType + " on " + target, Native.errno(cap));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** A tmpfs of size bytes at target, mode 0755: never blocks on another filesystem. */
    public static void tmpfs(String target, long size) {
        mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "size=" + size + ",mode=0755");
    }

    /** Makes the mount at target (and below it) private: nothing mounted under it propagates in or out. */
    public static void makePrivate(String target) {
        mount("", target, "", MS_PRIVATE | MS_REC, "");
    }

    /** mount(2) flags and the filesystem's own option string, from text such as "ro,noatime,errors=remount-ro". */
    public record Options(long flags, String data) {}

    public static Options options(String text) {
        long flags = 0;
        List<String> data = new ArrayList<>();
        for (String o : text.split(",")) {
            switch (o.trim()) {
                case "" -> { }
                case "ro" -> flags |= MS_RDONLY;
                case "rw" -> flags &= ~MS_RDONLY;
                case "nosuid" -> flags |= MS_NOSUID;
                case "nodev" -> flags |= MS_NODEV;
                case "noexec" -> flags |= MS_NOEXEC;
                case "sync" -> flags |= MS_SYNCHRONOUS;
                case "dirsync" -> flags |= MS_DIRSYNC;
                case "noatime" -> flags |= MS_NOATIME;
                case "nodiratime" -> flags |= MS_NODIRATIME;
                case "relatime" -> flags |= MS_RELATIME;
                case "strictatime" -> flags |= MS_STRICTATIME;
                case "lazytime" -> flags |= MS_LAZYTIME;
                case "suid", "dev", "exec", "async", "defaults" -> { } // the defaults of mount(2)
                default -> data.add(o.trim());
            }
        }
        return new Options(flags, String.join(",", data));
    }

    /** Remounts target read-only (what cannot be unmounted at shutdown, the root above all). */
    public static void remountReadOnly(String target) {
        mount("", target, "", MS_REMOUNT | MS_RDONLY, "");
    }

    /** umount2(2). Throws OsException: EBUSY when something still uses it, EINVAL when it is not a mount point. */
    public static void unmount(String target, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            int rc = (int) UMOUNT2.invokeExact(cap, a.allocateFrom(target), flags);
            if (rc < 0) throw new OsException("umount2", target, Native.errno(cap));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** The mounts of this namespace in mount order; empty when /proc is not mounted. */
    public static List<Mount> table() {
        try {
            return parse(Files.readAllLines(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS (proc(5)). */
    public static List<Mount> parse(List<String> lines) {
        List<Mount> out = new ArrayList<>();
        for (String line : lines) {
            int dash = line.indexOf(" - ");
            if (dash < 0) continue;
            String[] f = line.substring(0, dash).split(" ");
            String[] g = line.substring(dash + 3).split(" ");
            if (f.length < 6 || g.length < 2) continue;
            out.add(new Mount(Integer.parseInt(f[0]), Integer.parseInt(f[1]), unescape(f[4]), g[0], unescape(g[1]), f[5]));
        }
        return out;
    }

    /** mountinfo writes space, tab, newline and backslash as \ooo octal escapes. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else b.append(c);
        }
        return b.toString();
    }

    private static MemorySegment str(Arena a, String s) {
        return s.isEmpty() ? MemorySegment.NULL : a.allocateFrom(s);
    }
}

package banyan.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** What only PID 1 of a machine does: reboot(2), sync, the hostname, the console, the PID namespace. */
public final class Machine {
    private Machine() {}

    /** reboot(2) commands (linux/reboot.h). */
    public enum Reboot {
        RESTART(0x01234567), HALT(0xCDEF0123), POWER_OFF(0x4321FEDC),
        /** ctrl-alt-del then sends SIGINT to PID 1 instead of rebooting at once. */
        CAD_OFF(0);
        final int cmd;

        Reboot(int cmd) {
            this.cmd = cmd;
        }
    }

    /** The inode of the first PID namespace (PROC_PID_INIT_INO): a process in it runs on the machine, not in a container. */
    static final long INITIAL_PID_NAMESPACE = 0xEFFFFFFCL;
    private static final int O_RDWR = 2, O_NOCTTY = 0x100, O_CLOEXEC = 0x80000, F_GETFD = 1;

    private static final MethodHandle REBOOT = Native.errnoCall("reboot", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle EXIT = Native.plainCall("_exit", FunctionDescriptor.ofVoid(JAVA_INT));
    private static final MethodHandle SYNC = Native.plainCall("sync", FunctionDescriptor.ofVoid());
    private static final MethodHandle SETHOSTNAME = Native.errnoCall("sethostname", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle DUP2 = Native.errnoCall("dup2", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCNTL = Native.errnoCallVariadic("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2);
    private static final MethodHandle OPEN = Native.errnoCallVariadic("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);

    /**
     * reboot(2). Returns only on failure (EPERM without CAP_SYS_BOOT) or for CAD_OFF. In a child
     * PID namespace the kernel ends the namespace instead, and EINVAL answers CAD_OFF there.
     */
    public static void reboot(Reboot how) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            int rc = (int) REBOOT.invokeExact(cap, how.cmd);
            if (rc < 0) throw new OsException("reboot", how.name(), Native.errno(cap));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * _exit(2), without the JVM's shutdown: that waits up to 300 ms for threads blocked in native
     * calls (the reaper in waitid, the log pump in epoll_wait) before giving up on them.
     */
    public static void exitNow(int code) {
        try {
            EXIT.invokeExact(code);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** sync(2): every dirty buffer to disk before the filesystems go read-only. */
    public static void sync() {
        try {
            SYNC.invokeExact();
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public static void setHostname(String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            int rc = (int) SETHOSTNAME.invokeExact(cap, a.allocateFrom(name), (long) b.length);
            if (rc < 0) throw new OsException("sethostname", name, Native.errno(cap));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * Puts the console on fds 0, 1 and 2 where they are closed (the kernel could not open
     * /dev/console before /dev was mounted). Returns how many fds it filled.
     */
    public static int openConsole(String device) {
        int filled = 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            int fd = -1;
            for (int target = 0; target <= 2; target++) {
                if ((int) FCNTL.invokeExact(cap, target, F_GETFD, 0) >= 0) continue; // open already
                if (fd < 0) {
                    fd = (int) OPEN.invokeExact(cap, a.allocateFrom(device), O_RDWR | O_NOCTTY | O_CLOEXEC, 0);
                    if (fd < 0) throw new OsException("open", device, Native.errno(cap));
                }
                if ((int) DUP2.invokeExact(cap, fd, target) < 0) throw new OsException("dup2", device + " to fd " + target, Native.errno(cap));
                filled++;
            }
            if (fd > 2) Fd.close(fd);
            return filled;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Whether this process runs in the machine's own PID namespace; empty when /proc is not mounted. */
    public static Optional<Boolean> inInitialPidNamespace() {
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString(); // "pid:[4026531836]"
            long inode = Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
            return Optional.of(inode == INITIAL_PID_NAMESPACE);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The kernel command line, read by the rules of {@link TextFile} (not UTF-8, or /proc not mounted: Unreadable). */
    public static String kernelCommandLine() throws TextFile.Unreadable {
        return TextFile.read(Path.of("/proc/cmdline")).trim();
    }
}

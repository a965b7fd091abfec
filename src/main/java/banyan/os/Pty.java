package banyan.os;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Pseudo-terminals (pty(7)) and the terminal calls of `banyan shell`: a master that banyan holds,
 * the path of its slave for the spawn to open as the controlling terminal, window sizes, and raw
 * mode for the client's own terminal.
 */
public final class Pty {
    private Pty() {}

    private static final int O_RDWR = 2, O_NOCTTY = 0400, O_CLOEXEC = 02000000;
    private static final long TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414;
    private static final int TCSANOW = 0;
    private static final long TERMIOS_SIZE = 60; // struct termios of glibc on Linux

    private static final MethodHandle OPENPT = Native.errnoCall("posix_openpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle GRANTPT = Native.errnoCall("grantpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle UNLOCKPT = Native.errnoCall("unlockpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle PTSNAME_R = Native.plainCall("ptsname_r", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle IOCTL = Native.errnoCallVariadic("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2);
    private static final MethodHandle ISATTY = Native.plainCall("isatty", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle TCGETATTR = Native.errnoCall("tcgetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle TCSETATTR = Native.errnoCall("tcsetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle CFMAKERAW = Native.plainCall("cfmakeraw", FunctionDescriptor.ofVoid(ADDRESS));

    /** A master (close-on-exec, banyan's) and the path of its slave, e.g. /dev/pts/3. */
    public record Pair(int master, String slave) {}

    /** posix_openpt, grantpt, unlockpt, ptsname_r. Throws OsException (ENOENT: no /dev/ptmx; EAGAIN: out of ptys). */
    public static Pair open() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            int master = (int) OPENPT.invokeExact(cap, O_RDWR | O_NOCTTY | O_CLOEXEC);
            if (master < 0) throw new OsException("posix_openpt", "/dev/ptmx", Native.errno(cap));
            try {
                if ((int) GRANTPT.invokeExact(cap, master) < 0) throw new OsException("grantpt", "fd " + master, Native.errno(cap));
                if ((int) UNLOCKPT.invokeExact(cap, master) < 0) throw new OsException("unlockpt", "fd " + master, Native.errno(cap));
                MemorySegment name = a.allocate(128);
                int rc = (int) PTSNAME_R.invokeExact(master, name, 128L);
                if (rc != 0) throw new OsException("ptsname_r", "fd " + master, rc);
                return new Pair(master, name.getString(0));
            } catch (RuntimeException e) {
                Fd.close(master);
                throw e;
            }
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Sets the window size of a terminal (TIOCSWINSZ on the master: the foreground group gets SIGWINCH). */
    public static void resize(int fd, int rows, int cols) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            MemorySegment ws = a.allocate(8);
            ws.set(JAVA_SHORT, 0, (short) rows);
            ws.set(JAVA_SHORT, 2, (short) cols);
            if ((int) IOCTL.invokeExact(cap, fd, TIOCSWINSZ, ws) < 0) throw new OsException("ioctl TIOCSWINSZ", "fd " + fd, Native.errno(cap));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** The window size of a terminal as {rows, cols}, or null when fd is no terminal. */
    public static int[] size(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            MemorySegment ws = a.allocate(8);
            if ((int) IOCTL.invokeExact(cap, fd, TIOCGWINSZ, ws) < 0) return null;
            return new int[] {Short.toUnsignedInt(ws.get(JAVA_SHORT, 0)), Short.toUnsignedInt(ws.get(JAVA_SHORT, 2))};
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public static boolean isTerminal(int fd) {
        try {
            return (int) ISATTY.invokeExact(fd) == 1;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Puts the terminal on fd into raw mode (cfmakeraw) and returns its former settings, for {@link #restore}. */
    public static byte[] raw(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            MemorySegment t = a.allocate(TERMIOS_SIZE + 4);
            if ((int) TCGETATTR.invokeExact(cap, fd, t) < 0) throw new OsException("tcgetattr", "fd " + fd, Native.errno(cap));
            byte[] saved = t.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            CFMAKERAW.invokeExact(t);
            if ((int) TCSETATTR.invokeExact(cap, fd, TCSANOW, t) < 0) throw new OsException("tcsetattr", "fd " + fd, Native.errno(cap));
            return saved;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Gives the terminal back the settings {@link #raw} returned. */
    public static void restore(int fd, byte[] saved) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a);
            MemorySegment t = a.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, saved);
            if ((int) TCSETATTR.invokeExact(cap, fd, TCSANOW, t) < 0) throw new OsException("tcsetattr", "fd " + fd, Native.errno(cap));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}

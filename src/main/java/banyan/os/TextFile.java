package banyan.os;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The one way banyan reads a file that a user names (a configuration, an env_file, a token file,
 * /proc/cmdline): a regular file of at most a bound, read whole as UTF-8. A FIFO, a device, a
 * socket or a directory is refused before it is opened (opening /dev/watchdog arms it, opening a
 * FIFO waits for a writer), and again on the open fd, which is opened O_NONBLOCK, so that one
 * swapped in between can neither block nor be read.
 */
public final class TextFile {
    private TextFile() {}

    /** 1 MiB: far more than any configuration or env file; /dev/zero or a log named by mistake is refused, not read. */
    public static final int MAX_BYTES = 1 << 20;

    /** Why a file was not read, in words; line and column (from 1) of a byte that is not UTF-8, else 0. */
    public static final class Unreadable extends Exception {
        private final int line, column;

        Unreadable(String message, int line, int column) {
            super(message, null, false, false);
            this.line = line;
            this.column = column;
        }

        public int line() {
            return line;
        }

        public int column() {
            return column;
        }

        /** "PATH: reason", or "PATH:LINE:COLUMN: reason" for a byte that is not UTF-8. */
        public String about(Path path) {
            return path + (line > 0 ? ":" + line + ":" + column : "") + ": " + getMessage();
        }
    }

    private static final int O_RDONLY_NONBLOCK_NOCTTY_CLOEXEC = 0x800 | 0x100 | 0x80000;
    private static final int AT_FDCWD = -100, AT_EMPTY_PATH = 0x1000, STATX_TYPE = 0x1, STATX_SIZE = 0x200;
    private static final int S_IFMT = 0170000, S_IFREG = 0100000;
    /** struct statx is the same on every architecture: stx_mode (u16) at 28, stx_size (u64) at 40, 256 bytes in all. */
    private static final long STATX_BYTES = 256, STX_MODE = 28, STX_SIZE = 40;
    private static final int ENOENT = 2, EACCES = 13, ENXIO = 6, ELOOP = 40, ENOTDIR = 20;
    private static final MethodHandle OPEN = Native.errnoCallVariadic("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
    private static final MethodHandle STATX = Native.errnoCall("statx",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));

    public static String read(Path path) throws Unreadable {
        return read(path, MAX_BYTES);
    }

    /** The file's text; limit in bytes. */
    public static String read(Path path, int limit) throws Unreadable {
        return decode(bytes(path, limit));
    }

    static byte[] bytes(Path path, int limit) throws Unreadable {
        String name = path.toString();
        if (name.isEmpty()) throw new Unreadable("an empty file name", 0, 0);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.capture(a), cName = a.allocateFrom(name), st = a.allocate(STATX_BYTES, 8);
            if ((int) STATX.invokeExact(cap, AT_FDCWD, cName, 0, STATX_TYPE | STATX_SIZE, st) < 0) throw failed(Native.errno(cap));
            checkRegular(st, limit);
            int fd = (int) OPEN.invokeExact(cap, cName, O_RDONLY_NONBLOCK_NOCTTY_CLOEXEC, 0);
            if (fd < 0) throw failed(Native.errno(cap));
            try {
                if ((int) STATX.invokeExact(cap, fd, a.allocateFrom(""), AT_EMPTY_PATH, STATX_TYPE | STATX_SIZE, st) < 0)
                    throw failed(Native.errno(cap));
                checkRegular(st, limit); // replaced since the first look
                return readAll(fd, limit, a);
            } finally {
                Fd.close(fd);
            }
        } catch (Unreadable e) {
            throw e;
        } catch (OsException e) {
            throw new Unreadable("cannot read it: " + Native.strerror(e.errno()), 0, 0);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Reads to the end, but never more than limit + 1 bytes: files in /proc say they hold 0 bytes, and a file may grow. */
    private static byte[] readAll(int fd, int limit, Arena a) throws Unreadable {
        MemorySegment buf = a.allocate(64 * 1024);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        while (out.size() <= limit) {
            int n = Fd.read(fd, buf.asSlice(0, Math.min(buf.byteSize(), limit + 1L - out.size())));
            if (n == 0) return out.toByteArray();
            if (n < 0) throw new Unreadable("cannot read it: it would block", 0, 0);
            out.write(buf.asSlice(0, n).toArray(JAVA_BYTE), 0, n);
        }
        throw tooLarge(limit);
    }

    private static void checkRegular(MemorySegment st, int limit) throws Unreadable {
        int mode = st.get(JAVA_SHORT, STX_MODE) & 0xffff;
        if ((mode & S_IFMT) != S_IFREG) throw new Unreadable("is " + kind(mode) + ", not a regular file", 0, 0);
        if (st.get(JAVA_LONG, STX_SIZE) > limit) throw tooLarge(limit);
    }

    private static Unreadable tooLarge(int limit) {
        return new Unreadable("is larger than " + size(limit) + ", the most banyan reads from such a file", 0, 0);
    }

    private static String kind(int mode) {
        return switch (mode & S_IFMT) {
            case 0010000 -> "a FIFO (named pipe)";
            case 0020000 -> "a character device";
            case 0040000 -> "a directory";
            case 0060000 -> "a block device";
            case 0140000 -> "a socket";
            default -> "of file type " + Integer.toOctalString(mode & S_IFMT);
        };
    }

    private static Unreadable failed(int errno) {
        return new Unreadable(switch (errno) {
            case ENOENT -> "no such file";
            case EACCES -> "permission denied";
            case ENOTDIR -> "a part of the path is not a directory";
            case ELOOP -> "too many levels of symbolic links";
            case ENXIO -> "is a socket or a device without a driver, not a regular file";
            default -> "cannot read it: " + Native.strerror(errno);
        }, 0, 0);
    }

    private static String size(int bytes) {
        return bytes % (1 << 20) == 0 ? bytes / (1 << 20) + " MiB" : bytes % 1024 == 0 ? bytes / 1024 + " KiB" : bytes + " bytes";
    }

    /** Strict UTF-8; the first bad byte is reported with its line and column. */
    static String decode(byte[] bytes) throws Unreadable {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never gives more chars than bytes
        CoderResult r = d.decode(in, out, true);
        if (!r.isError()) r = d.flush(out);
        if (r.isError()) {
            String before = out.flip().toString();
            int lineStart = before.lastIndexOf('\n') + 1;
            int line = (int) before.chars().filter(c -> c == '\n').count() + 1;
            int column = before.codePointCount(lineStart, before.length()) + 1;
            throw new Unreadable(String.format("is not UTF-8 text (byte 0x%02x here begins no character); save it as UTF-8",
                    bytes[in.position()] & 0xff), line, column);
        }
        return out.flip().toString();
    }
}

package banyan.logs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * One log file with size/count rotation: NAME.log, then NAME.log.1 (newest) ... NAME.log.(maxFiles-1).
 * Lines are buffered and written in batches (the pump flushes after each round of reads). A line
 * that cannot be written (disk full, directory gone) is counted, never retried out of order; once
 * writing works again, the file gets a line saying how many were lost.
 */
final class LogFile {
    /** Told when writing works again after lines were lost, and (optionally) when it first fails. */
    interface Recovery {
        void recovered(String file, long lost, String reason);

        /** The first line of an episode that cannot be written. */
        default void failing(String file, String reason) {}
    }

    private static final int BATCH = 64 * 1024;
    private final Path dir;
    private final String name;
    private final long maxSize;
    private final int maxFiles;
    private final Recovery recovery;
    private final Stamp stamp = new Stamp();
    // all guarded by this: the pump writes service lines, other threads write banyan's own
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private int pendingLines;
    private FileChannel channel;
    private long size;
    private volatile long lostTotal; // written under this
    private long lostUnreported;
    private String lostReason = "";

    LogFile(Path dir, String name, long maxSize, int maxFiles, Recovery recovery) {
        this.dir = dir;
        this.name = name;
        this.maxSize = maxSize;
        this.maxFiles = maxFiles;
        this.recovery = recovery;
    }

    Path path() {
        return dir.resolve(name);
    }

    /** Without the lock: a writer blocked on a frozen disk holds it, and status must still answer. */
    long lost() {
        return lostTotal;
    }

    /** Appends "TIME STREAM TEXT"; stream gets a "+" when the text continues on the next line. */
    synchronized void append(Instant at, String stream, String text, boolean split) {
        if (channel == null && lostUnreported == 0) {
            try {
                Disk.run(() -> { open(); return null; }); // learn the size of an existing file before deciding on rotation
            } catch (IOException e) {
                // flush counts the loss when the line cannot be written
            }
        }
        byte[] line = (stamp.format(at) + " " + stream + (split ? "+ " : " ") + text + "\n").getBytes(StandardCharsets.UTF_8);
        long after = size + pending.size() + line.length;
        if (after > maxSize && size + pending.size() > 0) {
            flush();
            try {
                Disk.run(() -> { rotate(); return null; });
            } catch (IOException e) {
                lostReason = "rotation failed: " + reason(e);
            }
        }
        pending.writeBytes(line);
        pendingLines++;
        if (pending.size() >= BATCH) flush();
    }

    synchronized void flush() {
        if (pendingLines == 0) return;
        byte[] data = pending.toByteArray();
        int lines = pendingLines;
        pending.reset();
        pendingLines = 0;
        byte[] note = lostUnreported == 0 ? new byte[0] : (stamp.format(Instant.now())
                + " banyan " + lostUnreported + " line(s) lost: " + lostReason + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer all = ByteBuffer.allocate(note.length + data.length).put(note).put(data).flip();
        try {
            Disk.run(() -> {
                open(); // ends a line left half-written first
                while (all.hasRemaining()) size += channel.write(all);
                return null;
            });
            if (note.length > 0) {
                recovery.recovered(path().toString(), lostUnreported, lostReason);
                lostUnreported = 0;
            }
        } catch (IOException e) {
            int written = all.position();
            int whole = 0;
            for (int i = note.length; i < written; i++) if (all.get(i) == '\n') whole++;
            if (written >= note.length && note.length > 0) lostUnreported = 0; // the note got out; count afresh
            boolean starts = lostUnreported == 0 && note.length == 0;
            lostTotal += lines - whole;
            lostUnreported += lines - whole;
            lostReason = reason(e);
            if (starts) recovery.failing(path().toString(), lostReason);
            closeChannel(); // reopen next time: the directory may have been recreated
        }
    }

    private void open() throws IOException {
        if (channel != null) return;
        Files.createDirectories(dir);
        channel = FileChannel.open(path(), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        size = channel.size();
        if (size > 0 && !endsWithNewline()) {
            // a banyan that was killed while writing left half a line: end it, and say so, rather than glue the next one on
            ByteBuffer note = ByteBuffer.wrap(("\n" + stamp.format(Instant.now())
                    + " banyan the line above is incomplete: writing it was cut short (a full disk, or a banyan that was killed)\n").getBytes(StandardCharsets.UTF_8));
            while (note.hasRemaining()) size += channel.write(note);
        }
    }

    private boolean endsWithNewline() throws IOException {
        try (FileChannel r = FileChannel.open(path(), StandardOpenOption.READ)) {
            ByteBuffer last = ByteBuffer.allocate(1);
            return r.read(last, size - 1) != 1 || last.get(0) == '\n';
        }
    }

    /** NAME.log.(k) becomes .(k+1), the oldest falls off, NAME.log becomes .1. */
    private void rotate() {
        closeChannel();
        try {
            Files.deleteIfExists(dir.resolve(name + "." + (maxFiles - 1)));
            for (int k = maxFiles - 2; k >= 1; k--) {
                Path from = dir.resolve(name + "." + k);
                if (Files.exists(from)) Files.move(from, dir.resolve(name + "." + (k + 1)), StandardCopyOption.REPLACE_EXISTING);
            }
            if (maxFiles > 1) Files.move(path(), dir.resolve(name + ".1"), StandardCopyOption.REPLACE_EXISTING);
            else Files.deleteIfExists(path());
        } catch (IOException e) {
            lostReason = "rotation failed: " + reason(e); // writing goes on into the current file
        }
        size = 0;
    }

    /** Opens the file now, as a check that its directory can be written; why not, if it cannot. */
    synchronized java.util.Optional<String> tryOpen() {
        try {
            Disk.run(() -> { open(); return null; });
            return java.util.Optional.empty();
        } catch (IOException e) {
            return java.util.Optional.of(reason(e));
        }
    }

    synchronized void close() {
        flush();
        closeChannel();
    }

    private void closeChannel() {
        if (channel == null) return;
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing was pending: flush ran first
        }
        channel = null;
    }

    /** In words: NIO names some errors only by their class, with the path as the message. */
    static String reason(IOException e) {
        return switch (e) {
            case java.nio.file.FileAlreadyExistsException x -> "a file, not a directory, is in the way: " + x.getFile();
            case java.nio.file.AccessDeniedException x -> "permission denied: " + x.getFile();
            case java.nio.file.NoSuchFileException x -> "no such file or directory: " + x.getFile();
            case java.nio.file.FileSystemException x when x.getReason() != null -> x.getReason() + ": " + x.getFile();
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
    }
}

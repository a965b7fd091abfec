package banyan.logs;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The recent lines of one service, for `logs -n` and `logs -f`. Bounded by lines and bytes; the
 * writer (the log pump) never waits for a reader: a reader that falls behind is told how many
 * lines it missed.
 */
public final class Ring {
    /**
     * @param seq    1 for the first line banyan saw from this service, then 2, 3...
     * @param stream "out" or "err"
     * @param split  this piece of an overlong line continues in the next one
     */
    public record Line(long seq, Instant at, String stream, String text, boolean split) {}

    /** Lines after a position; skipped counts lines that fell out of the ring before they were read. */
    public record Batch(List<Line> lines, long skipped, long next) {}

    private final int maxLines;
    private final long maxChars;
    private final ArrayDeque<Line> lines = new ArrayDeque<>(); // guarded by this
    private long chars;                                        // guarded by this
    private long nextSeq = 1;                                  // guarded by this

    public Ring(int maxLines, long maxChars) {
        this.maxLines = maxLines;
        this.maxChars = maxChars;
    }

    synchronized void add(Instant at, String stream, String text, boolean split) {
        lines.addLast(new Line(nextSeq++, at, stream, text, split));
        chars += text.length();
        while (lines.size() > maxLines || (chars > maxChars && lines.size() > 1)) chars -= lines.removeFirst().text().length();
        notifyAll();
    }

    /** The last n lines (fewer when the ring holds fewer). */
    public synchronized Batch last(int n) {
        List<Line> all = new ArrayList<>(lines);
        List<Line> tail = all.subList(Math.max(0, all.size() - n), all.size());
        return new Batch(List.copyOf(tail), 0, nextSeq);
    }

    /** Lines with seq >= from, waiting up to timeout for the first one; an empty batch on timeout. */
    public synchronized Batch from(long from, long timeout, TimeUnit unit) throws InterruptedException {
        long end = System.nanoTime() + unit.toNanos(timeout);
        while (nextSeq <= from) {
            long left = end - System.nanoTime();
            if (left <= 0) return new Batch(List.of(), 0, from);
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        long oldest = lines.isEmpty() ? nextSeq : lines.getFirst().seq();
        long skipped = Math.max(0, oldest - from);
        List<Line> out = new ArrayList<>();
        for (Line l : lines) if (l.seq() >= from) out.add(l);
        return new Batch(out, skipped, nextSeq);
    }
}

package banyan.init;

import banyan.os.Fd;
import banyan.os.Tty;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Lines typed on the console (fd 0, a terminal), read by one platform thread only while a
 * question waits, one line per question, so that a shell opened at a prompt gets what is typed
 * for it. The terminal's line discipline hands over one line per read. A line typed in the instant
 * between a `banyan continue` (or Ctrl-C) and the reader's next look at `wanted` may still be read
 * here: it is then dropped as the answer to a question that no longer waits.
 */
final class ConsoleInput {
    /** What came from the console: a line without its newline, or null at end of input (Ctrl-D). */
    private final Consumer<String> sink;
    private boolean wanted;   // guarded by this: a question waits for a line; the reader clears it once it has one
    private boolean ended;    // guarded by this: end of input was seen

    ConsoleInput(Consumer<String> sink) {
        this.sink = sink;
        Thread t = Thread.ofPlatform().daemon().name("console-in").unstarted(this::run);
        t.start();
    }

    synchronized void want(boolean on) {
        wanted = on;
        notifyAll();
    }

    private void run() {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            while (true) {
                synchronized (this) {
                    while (!wanted || ended) wait();
                }
                if (!Tty.readable(0, 200)) continue; // look at `wanted` again: a shell may be about to take the console
                synchronized (this) {
                    if (!wanted) continue;
                }
                int n = Fd.read(0, buf);
                if (n <= 0 && line.size() == 0) {
                    synchronized (this) {
                        ended = true;
                    }
                    sink.accept(null);
                    return;
                }
                if (n > 0) line.write(buf, 0, n);
                String text = line.toString(StandardCharsets.UTF_8);
                if (n > 0 && !text.endsWith("\n")) continue; // more of the line to come
                line.reset();
                synchronized (this) {
                    wanted = false; // one line per question: what follows may be for a shell
                }
                sink.accept(text.replaceAll("[\r\n]+$", ""));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) { // the console went away (EIO after a hang-up): no more answers
            sink.accept(null);
        }
    }
}

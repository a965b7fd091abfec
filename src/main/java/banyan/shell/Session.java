package banyan.shell;

import banyan.os.Fd;
import banyan.os.OsException;
import banyan.os.Pty;
import banyan.os.Reaper;
import banyan.os.Signals;

import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One shell on a pty that banyan holds: the master, the process (leader of its own session, the
 * pty its controlling terminal), the scrollback, and the clients attached now. A platform thread,
 * `pty-ID`, reads the master and hands output to every client; the session ends when the process
 * does, and the clients are told its exit code.
 */
public final class Session {
    /** What a client is told; called on the pty thread, so it must not block (a client queues). */
    public interface Client {
        void output(byte[] data);

        void exited(int code);
    }

    public record Info(String id, List<String> command, int pid, Instant created, int clients, int rows, int cols) {}

    private final String id;
    private final List<String> command;
    private final int master;
    private final Instant created = Instant.now();
    private final Scrollback scrollback;
    private final List<Client> clients = new CopyOnWriteArrayList<>();
    private final CountDownLatch drained = new CountDownLatch(1);
    private final Runnable onEnd;
    private volatile int pid, rows, cols;
    private volatile OptionalInt exit = OptionalInt.empty();

    Session(String id, List<String> command, Pty.Pair pty, int rows, int cols, int scrollbackBytes, Runnable onEnd) {
        this.id = id;
        this.command = List.copyOf(command);
        this.master = pty.master();
        this.rows = rows;
        this.cols = cols;
        this.scrollback = new Scrollback(scrollbackBytes);
        this.onEnd = onEnd;
    }

    /** Starts the pump; the process is already spawned and its exit goes to {@link #exited}. */
    void start(int pid) {
        this.pid = pid;
        Thread.ofPlatform().name("pty-" + id).daemon().start(this::pump);
    }

    private void pump() {
        byte[] buf = new byte[16 * 1024];
        try {
            while (true) {
                int n = Fd.read(master, buf);
                if (n <= 0) break;
                byte[] chunk = java.util.Arrays.copyOf(buf, n);
                synchronized (this) { // a client attaching gets the scrollback and then everything after it, nothing twice
                    scrollback.add(chunk);
                    for (Client c : clients) c.output(chunk);
                }
            }
        } catch (OsException e) {
            // EIO: every process holding the slave is gone
        }
        drained.countDown();
    }

    /** The reaper's report: waits briefly for the last output, then tells the clients and ends. Not on the reaper thread. */
    void exited(Reaper.Exit e) {
        try {
            drained.await(500, TimeUnit.MILLISECONDS); // a background job may hold the slave: the session ends with its shell
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            exit = OptionalInt.of(e.shellCode());
            for (Client c : clients) c.exited(e.shellCode());
            clients.clear();
        }
        Signals.killGroup(e.pid(), Signals.HUP); // what is left of its session, as when a terminal hangs up
        Fd.close(master);
        onEnd.run();
    }

    /**
     * Adds a client: it gets the scrollback first. A session that has ended already (a command
     * quicker than its client's upgrade) gives its output and exit code, and returns false.
     */
    public synchronized boolean attach(Client c) {
        byte[] back = scrollback.bytes();
        if (back.length > 0) c.output(back);
        if (exit.isPresent()) {
            c.exited(exit.getAsInt());
            return false;
        }
        clients.add(c);
        return true;
    }

    /** The client leaves; the session goes on without it (detached when it was the last). */
    public void detach(Client c) {
        clients.remove(c);
    }

    /** Keystrokes from any client. */
    public void input(byte[] data) {
        if (exit.isEmpty()) Fd.write(master, data);
    }

    /** The client's window; the last resize wins when several clients are attached, as with tmux's latest. */
    public void resize(int rows, int cols) {
        if (rows <= 0 || cols <= 0 || rows > 10_000 || cols > 10_000 || exit.isPresent()) return;
        this.rows = rows;
        this.cols = cols;
        Pty.resize(master, rows, cols);
    }

    public String id() {
        return id;
    }

    public Info info() {
        return new Info(id, command, pid, created, clients.size(), rows, cols);
    }

    int master() {
        return master;
    }
}

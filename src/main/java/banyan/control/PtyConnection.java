package banyan.control;

import banyan.shell.Session;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.FutureCallback;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A control connection after `Upgrade: banyan-shell`: frames both ways (docs/api.yaml, "shell
 * frames"), each a type byte, a 4-byte big-endian length and the payload. From the client:
 * 'i' input, 'w' window (rows, cols: two 2-byte numbers), 'd' detach. To the client: 'o' output,
 * 'x' exit (the code, 4 bytes), 'm' a message for the user. A client that leaves is detached; one
 * that does not take its output within the write timeout is disconnected, never the session slowed.
 */
final class PtyConnection extends AbstractConnection implements Session.Client {
    static final String PROTOCOL = "banyan-shell";
    private static final byte[] END = new byte[0];
    private static final int MAX_FRAME = 64 * 1024;

    private final Session session;
    private final long writeTimeoutMs;
    private final BlockingQueue<byte[]> out = new ArrayBlockingQueue<>(4096); // frames for the writer thread
    private final ByteBuffer in = BufferUtil.allocate(16 * 1024);
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream(); // owned by the fill callbacks, one at a time
    private final String hello;

    PtyConnection(EndPoint endPoint, Executor executor, Session session, long writeTimeoutMs, String hello) {
        super(endPoint, executor);
        this.session = session;
        this.writeTimeoutMs = writeTimeoutMs;
        this.hello = hello;
    }

    @Override
    public void onOpen() {
        super.onOpen();
        getEndPoint().setIdleTimeout(0); // a shell may sit idle for hours
        Thread.ofVirtual().name("shell-" + session.id() + "-out").start(this::writer);
        if (!hello.isEmpty()) queue(frame('m', hello.getBytes(StandardCharsets.UTF_8)));
        if (session.attach(this)) fillInterested(); // else it has ended, and exited() queued the code
    }

    @Override
    public void onFillable() {
        try {
            while (true) {
                BufferUtil.clear(in);
                int n = getEndPoint().fill(in);
                if (n < 0) {
                    leave();
                    return;
                }
                if (n == 0) {
                    fillInterested();
                    return;
                }
                byte[] b = new byte[in.remaining()];
                in.get(b);
                partial.write(b, 0, b.length);
                if (!frames()) return;
            }
        } catch (java.io.IOException | RuntimeException e) {
            leave();
        }
    }

    /** Handles every whole frame received; false once the client has detached or sent nonsense. */
    private boolean frames() {
        byte[] all = partial.toByteArray();
        int at = 0;
        while (all.length - at >= 5) {
            int len = ByteBuffer.wrap(all, at + 1, 4).getInt();
            if (len < 0 || len > MAX_FRAME) {
                leave();
                return false;
            }
            if (all.length - at - 5 < len) break;
            byte type = all[at];
            byte[] payload = java.util.Arrays.copyOfRange(all, at + 5, at + 5 + len);
            at += 5 + len;
            switch (type) {
                case 'i' -> session.input(payload);
                case 'w' -> {
                    if (payload.length == 4) {
                        ByteBuffer w = ByteBuffer.wrap(payload);
                        session.resize(Short.toUnsignedInt(w.getShort()), Short.toUnsignedInt(w.getShort()));
                    }
                }
                case 'd' -> {
                    session.detach(this);
                    queue(frame('m', ("detached from session " + session.id() + "; banyan shell --attach " + session.id()
                            + " resumes it").getBytes(StandardCharsets.UTF_8)));
                    queue(END);
                    return false;
                }
                default -> {
                    leave();
                    return false;
                }
            }
        }
        partial.reset();
        partial.write(all, at, all.length - at);
        return true;
    }

    private void leave() {
        session.detach(this);
        queue(END);
    }

    @Override
    public void output(byte[] data) {
        queue(frame('o', data));
    }

    @Override
    public void exited(int code) {
        queue(frame('x', ByteBuffer.allocate(4).putInt(code).array()));
        queue(END);
    }

    private void queue(byte[] f) {
        if (!out.offer(f)) { // the client does not read: it goes, the session stays
            session.detach(this);
            getEndPoint().close();
        }
    }

    /** One virtual thread per client: takes frames in order and writes each, bounded by the write timeout. */
    private void writer() {
        try {
            while (true) {
                byte[] f = out.take();
                if (f == END) break;
                FutureCallback done = new FutureCallback();
                getEndPoint().write(done, ByteBuffer.wrap(f));
                done.get(writeTimeoutMs, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException | java.util.concurrent.ExecutionException | TimeoutException e) {
            session.detach(this);
        }
        getEndPoint().close();
    }

    @Override
    protected boolean onReadTimeout(TimeoutException timeout) {
        return false;
    }

    static byte[] frame(char type, byte[] payload) {
        return ByteBuffer.allocate(5 + payload.length).put((byte) type).putInt(payload.length).put(payload).array();
    }
}

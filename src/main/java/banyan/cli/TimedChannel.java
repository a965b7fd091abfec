package banyan.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * A client's connection with a time limit on every wait: reads and writes are non-blocking, and
 * each waits in a selector for at most timeoutMs (0: no limit). A unix socket's channel has no
 * SO_TIMEOUT, and a blocking read on it would wait forever for a server that never answers.
 */
final class TimedChannel extends InputStream {
    private final SocketChannel ch;
    private final String where;
    private final Selector selector;
    long timeoutMs; // set by the client: a limit for the answer, then for the body, or none for a stream

    TimedChannel(SocketChannel ch, String where) throws IOException {
        this.ch = ch;
        this.where = where;
        ch.configureBlocking(false);
        this.selector = Selector.open();
        ch.register(selector, 0);
    }

    void write(byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) if (ch.write(b) == 0) await(SelectionKey.OP_WRITE, "take the request");
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        ByteBuffer into = ByteBuffer.wrap(b, off, len);
        while (true) {
            int n = ch.read(into);
            if (n != 0) return n;
            await(SelectionKey.OP_READ, "answer");
        }
    }

    private void await(int op, String what) throws IOException {
        SelectionKey key = ch.keyFor(selector);
        key.interestOps(op);
        int ready = selector.select(timeoutMs);
        selector.selectedKeys().clear();
        if (ready == 0 && timeoutMs > 0)
            throw new ControlClient.Silent("banyan at " + where + " accepted the connection but did not " + what + " within "
                    + (timeoutMs % 1000 == 0 ? timeoutMs / 1000 + " s" : timeoutMs + " ms"));
    }

    /** From now on reads and writes block without a limit (a shell's stream, read and written by two threads). */
    void blocking() throws IOException {
        selector.close(); // deregisters the channel, which may then block again
        ch.configureBlocking(true);
    }

    @Override
    public void close() throws IOException {
        selector.close();
        ch.close();
    }
}

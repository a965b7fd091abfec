package banyan.shell;

/** The last bytes a session wrote, at most a fixed count: what a client that attaches sees first. Guarded by its session. */
final class Scrollback {
    private final byte[] ring;
    private long written;

    Scrollback(int size) {
        ring = new byte[size];
    }

    void add(byte[] data) {
        for (byte b : data) ring[(int) (written++ % ring.length)] = b;
    }

    byte[] bytes() {
        int n = (int) Math.min(written, ring.length);
        byte[] out = new byte[n];
        long from = written - n;
        for (int i = 0; i < n; i++) out[i] = ring[(int) ((from + i) % ring.length)];
        return out;
    }
}

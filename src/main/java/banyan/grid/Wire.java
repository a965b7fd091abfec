package banyan.grid;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The little HTTP/1.1 a follower speaks, over a socket whose every read has a timeout: a
 * response head, a body by length or chunks, and the lines of a chunked event stream. Every
 * size is bounded, so a peer that sends garbage costs a short error, never memory or a hang.
 */
final class Wire {
    static final int MAX_LINE = 64 * 1024, MAX_BODY = 4 * 1024 * 1024;

    /** Not HTTP, or not the HTTP a banyan speaks: the peer's state becomes error with this message. */
    static final class Garbage extends IOException {
        Garbage(String message) {
            super(message);
        }
    }

    record Head(int status, Map<String, String> headers) {
        boolean chunked() {
            return headers.getOrDefault("transfer-encoding", "").equalsIgnoreCase("chunked");
        }
    }

    private final InputStream in;
    private int chunkLeft = -1; // bytes left in the current chunk of a chunked body; -1 before the first

    Wire(InputStream in) {
        this.in = in;
    }

    static byte[] request(String path, String hostPort, String token) {
        return ("GET " + path + " HTTP/1.1\r\nHost: " + hostPort + "\r\nAuthorization: Bearer " + token
                + "\r\nAccept: application/json, text/event-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    }

    Head head() throws IOException {
        String status = line(in);
        if (!status.matches("HTTP/1\\.[01] \\d{3}( .*)?"))
            throw new Garbage("not an HTTP answer: '" + printable(status) + "'");
        Map<String, String> headers = new HashMap<>();
        for (int n = 0; ; n++) {
            String h = line(in);
            if (h.isEmpty()) break;
            int colon = h.indexOf(':');
            if (colon <= 0 || n > 100) throw new Garbage("a bad HTTP header: '" + printable(h) + "'");
            headers.put(h.substring(0, colon).strip().toLowerCase(java.util.Locale.ROOT), h.substring(colon + 1).strip());
        }
        chunkLeft = -1;
        return new Head(Integer.parseInt(status.substring(9, 12)), headers);
    }

    /** The whole body of a response that is not a stream. */
    String body(Head h) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (h.chunked()) {
            for (int b; (b = chunked()) >= 0; ) {
                out.write(b);
                if (out.size() > MAX_BODY) throw new Garbage("an answer longer than " + MAX_BODY + " bytes");
            }
        } else {
            long length;
            try {
                length = Long.parseLong(h.headers().getOrDefault("content-length", "-1"));
            } catch (NumberFormatException e) {
                throw new Garbage("a bad Content-Length");
            }
            if (length < 0 || length > MAX_BODY) throw new Garbage("an answer without a usable Content-Length");
            out.write(in.readNBytes((int) length));
            if (out.size() < length) throw new EOFException("the peer closed the connection in the middle of an answer");
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The next line of a stream (an event stream, chunked or to the end of the connection), without its end; null at its end. */
    String streamLine(boolean chunked) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int b; ; ) {
            b = chunked ? chunked() : in.read();
            if (b < 0) return out.size() == 0 ? null : out.toString(StandardCharsets.UTF_8);
            if (b == '\n') return out.toString(StandardCharsets.UTF_8);
            out.write(b);
            if (out.size() > MAX_LINE) throw new Garbage("an event line longer than " + MAX_LINE + " bytes");
        }
    }

    private int chunked() throws IOException {
        if (chunkLeft == 0) {
            line(in); // the CRLF after a chunk
            chunkLeft = -1;
        }
        if (chunkLeft < 0) {
            String size = line(in).split(";", 2)[0].strip();
            try {
                chunkLeft = Integer.parseInt(size, 16);
            } catch (NumberFormatException e) {
                throw new Garbage("a bad chunk size '" + printable(size) + "'");
            }
            if (chunkLeft < 0) throw new Garbage("a bad chunk size '" + printable(size) + "'");
            if (chunkLeft == 0) {
                while (!line(in).isEmpty()) { } // trailers
                return -1;
            }
        }
        int b = in.read();
        if (b < 0) throw new EOFException("the peer closed the connection");
        chunkLeft--;
        return b;
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) throw new EOFException("the peer closed the connection");
            out.write(b);
            if (out.size() > MAX_LINE) throw new Garbage("a line longer than " + MAX_LINE + " bytes where an HTTP line belongs");
        }
        String s = out.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    static String printable(String s) {
        String t = s.replaceAll("[^\\x20-\\x7e]", "?");
        return t.length() > 60 ? t.substring(0, 60) + "..." : t;
    }
}

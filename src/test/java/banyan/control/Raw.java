package banyan.control;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Raw HTTP over the unix socket: tests send exactly the bytes they mean, well-formed or not. */
final class Raw {
    record Answer(int status, String head, String body) {}

    static SocketChannel open(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return ch;
    }

    static void send(SocketChannel ch, String text) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) ch.write(b);
    }

    /** One exchange with Connection: close; the whole answer, chunked bodies decoded. */
    static Answer exchange(Path socket, String request) throws IOException {
        try (SocketChannel ch = open(socket)) {
            try {
                send(ch, request);
            } catch (IOException refusedHalfway) {
                // the server answered and closed before taking all of an oversized request: read its answer
            }
            InputStream in = Channels.newInputStream(ch);
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int split = all.indexOf("\r\n\r\n");
            String head = split < 0 ? all : all.substring(0, split);
            String body = split < 0 ? "" : all.substring(split + 4);
            if (head.toLowerCase().contains("transfer-encoding: chunked")) body = dechunk(body);
            int status = Integer.parseInt(head.split(" ", 3)[1]);
            return new Answer(status, head, body);
        }
    }

    static Answer get(Path socket, String path) throws IOException {
        return exchange(socket, "GET " + path + " HTTP/1.1\r\nHost: banyan\r\nConnection: close\r\n\r\n");
    }

    static Answer post(Path socket, String path, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return exchange(socket, "POST " + path + " HTTP/1.1\r\nHost: banyan\r\nConnection: close\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + b.length + "\r\n\r\n" + body);
    }

    /** Chunked body to plain text (tests send ASCII, so chunk sizes are character counts). */
    private static String dechunk(String s) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (at < s.length()) {
            int eol = s.indexOf("\r\n", at);
            if (eol < 0) break;
            int n = Integer.parseInt(s.substring(at, eol).split(";")[0].trim(), 16);
            if (n == 0) break;
            out.append(s, eol + 2, Math.min(s.length(), eol + 2 + n));
            at = eol + 2 + n + 2;
        }
        return out.toString();
    }
}

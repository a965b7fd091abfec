package banyan.control;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * What Jetty answers on its own (a request it cannot parse, an oversized one, a handler that
 * failed) as the API's {"error": "..."} instead of an HTML page, in words that name the limit or
 * the fix. Internal failures say so without their Java details, which go to banyan's console.
 */
final class JsonErrors extends ErrorHandler {
    @Override
    protected void generateResponse(Request req, Response resp, int code, String message, Throwable cause, Callback cb) {
        if (code >= 500 && cause != null && !(cause instanceof org.eclipse.jetty.http.HttpException)) // Jetty's own verdict (505) is no failure
            System.err.println("banyan: control API: internal error on " + req.getMethod() + " " + req.getHttpURI().getPath() + ": " + cause);
        resp.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        Content.Sink.write(resp, true, Json.error(words(code, message)) + "\n", cb);
    }

    /** Errors found while parsing, before there is a request to handle (a header flood, a bad Content-Length). */
    @Override
    public ByteBuffer badMessageError(int code, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap((Json.error(words(code, reason)) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    static String words(int code, String reason) {
        String r = reason == null ? "" : reason.toLowerCase(Locale.ROOT);
        return switch (code) {
            case 400 -> r.contains("ambiguous") || r.contains("path segment") || r.contains("separator")
                    ? "the path holds an encoded '/', '.', '..' or NUL (such as %2e%2e or %00), which the API refuses; write names plainly"
                    : r.contains("utf-8") || r.contains("utf8") ? "the path is not valid UTF-8 once its %-escapes are decoded"
                    : r.contains("content-length") ? "Content-Length must be one whole number of bytes, 0 or more"
                    : r.contains("chunk") ? "the chunked body is malformed"
                    : r.contains("host") ? "the request needs a Host header (any value, such as 'Host: banyan')"
                    : "the request is malformed (a control character such as %00 in the path, or bytes that are not HTTP/1.1)"
                            + (plain(reason) && !r.equals("bad request") ? ": " + reason : "");
            case 408 -> "the request did not arrive in time; send it whole right after connecting";
            case 413 -> "the request body is over the limit of " + Api.MAX_BODY / 1024 + " KiB";
            case 414 -> "the request path is over the limit of 8 KiB";
            case 431 -> "the request headers are over the limit of 8 KiB";
            case 500 -> "banyan's API failed on this request (an internal error; banyan's console has the details)";
            case 505 -> "the API speaks HTTP/1.1 only";
            default -> "HTTP " + code + " " + (plain(reason) ? reason : HttpStatus.getMessage(code));
        };
    }

    /** Jetty's own phrases are plain English; anything naming a Java class or a stack is not for users. */
    private static boolean plain(String reason) {
        return reason != null && !reason.isBlank() && reason.length() < 120
                && !reason.matches("(?s).*(\\b[a-z]+\\.[a-z]+[\\w.]*\\.[A-Z]\\w*|Exception|Error:|\\bat \\w).*");
    }
}

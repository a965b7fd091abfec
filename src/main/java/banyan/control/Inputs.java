package banyan.control;

import banyan.config.Durations;
import banyan.os.Signals;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Values from the outside (API bodies and query strings, and the same words on the command line),
 * read strictly: what is not exactly a value is refused, never trimmed, clamped or guessed.
 */
public final class Inputs {
    /** The longest a request waits for a state (?wait=, /wait) before it answers; a client allows for it. */
    public static final java.time.Duration MAX_WAIT = java.time.Duration.ofSeconds(20);

    private Inputs() {}

    private static final Pattern SIGNAL = Pattern.compile("[A-Za-z][A-Za-z0-9]*|[1-9][0-9]{0,1}");
    private static final Pattern WHOLE = Pattern.compile("[0-9]{1,9}");
    private static final Pattern PLACE = Pattern.compile("line (\\d+) column (\\d+)");

    /** "HUP", "SIGUSR1", "term" or "10" to its number; empty for anything else, spaces included. */
    public static OptionalInt signal(String text) {
        return SIGNAL.matcher(text).matches() ? Signals.number(text) : OptionalInt.empty();
    }

    /** "500ms", "10s", "1m30s" (no spaces, not negative); empty for anything else. */
    public static Optional<Duration> duration(String text) {
        if (text.isEmpty() || !text.strip().equals(text)) return Optional.empty();
        return Durations.parse(text).filter(d -> !d.isNegative()); // a sum that overflowed is negative
    }

    /** The query of req, refusing keys outside allowed, repeated keys and malformed %-escapes. */
    static Fields query(Request req, Set<String> allowed) throws Api.Refusal {
        Fields q;
        try {
            q = Request.extractQueryParameters(req);
        } catch (RuntimeException e) {
            throw new Api.Refusal(400, "the query string is not valid %-encoded UTF-8");
        }
        for (Fields.Field f : q) {
            if (!allowed.contains(f.getName()))
                throw new Api.Refusal(400, "unknown query parameter '" + Api.quote(f.getName()) + "'; "
                        + (allowed.isEmpty() ? "this resource takes none" : "this resource takes " + String.join(", ", allowed.stream().sorted().toList())));
            if (f.getValues().size() > 1) throw new Api.Refusal(400, "query parameter '" + f.getName() + "' is given more than once");
        }
        return q;
    }

    static Duration duration(Fields q, String key, Duration orElse) throws Api.Refusal {
        String v = q.getValue(key);
        if (v == null) return orElse;
        return duration(v).orElseThrow(() -> new Api.Refusal(400, key + "='" + Api.quote(v) + "' is not a duration; write it like 500ms, 10s or 1m"));
    }

    static int whole(Fields q, String key, int orElse) throws Api.Refusal {
        String v = q.getValue(key);
        if (v == null) return orElse;
        if (!WHOLE.matcher(v).matches()) throw new Api.Refusal(400, key + "='" + Api.quote(v) + "' must be a whole number from 0 to 999999999, digits only");
        return Integer.parseInt(v);
    }

    static boolean bool(Fields q, String key) throws Api.Refusal {
        String v = q.getValue(key);
        if (v == null || v.equals("false")) return false;
        if (v.equals("true")) return true;
        throw new Api.Refusal(400, key + "='" + Api.quote(v) + "' must be true or false");
    }

    /** The request body as a flat JSON object with only the allowed fields; no body is an empty object. */
    static JsonObject body(Request req, Set<String> allowed) throws Exception {
        long declared = req.getLength();
        if (declared > Api.MAX_BODY) throw new Api.Refusal(413, "the request body of " + declared + " bytes is over the limit of " + Api.MAX_BODY / 1024 + " KiB");
        byte[] bytes;
        try (InputStream in = org.eclipse.jetty.io.Content.Source.asInputStream(req)) {
            bytes = in.readNBytes(Api.MAX_BODY + 1);
        }
        if (bytes.length > Api.MAX_BODY) throw new Api.Refusal(413, "the request body is over the limit of " + Api.MAX_BODY / 1024 + " KiB");
        JsonObject o = bytes.length == 0 ? new JsonObject() : object(bytes);
        for (String k : o.keySet())
            if (!allowed.contains(k))
                throw new Api.Refusal(400, "unknown field '" + Api.quote(k) + "' in the body; "
                        + (allowed.isEmpty() ? "this resource takes none" : "this resource takes " + String.join(", ", allowed.stream().sorted().toList())));
        return o;
    }

    /** Strict JSON (no comments, single quotes or bare words), one object, each key once, values no deeper than an array. */
    static JsonObject object(byte[] bytes) throws Api.Refusal {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new Api.Refusal(400, "the body is not valid UTF-8");
        }
        JsonReader r = new JsonReader(new StringReader(text));
        r.setStrictness(Strictness.STRICT);
        try {
            if (r.peek() != JsonToken.BEGIN_OBJECT) throw new Api.Refusal(400, "the body must be a JSON object, such as {\"signal\": \"HUP\"}");
            JsonObject o = new JsonObject();
            r.beginObject();
            while (r.hasNext()) {
                String key = r.nextName();
                if (o.has(key)) throw new Api.Refusal(400, "field '" + Api.quote(key) + "' appears twice in the body");
                o.add(key, value(r, true));
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT) throw new Api.Refusal(400, "the body goes on after its JSON object");
            return o;
        } catch (java.io.EOFException e) {
            throw new Api.Refusal(400, "the body is not valid JSON: it ends too early" + place(e));
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new Api.Refusal(400, "the body is not valid JSON" + place(e));
        }
    }

    private static JsonElement value(JsonReader r, boolean arrayAllowed) throws IOException, Api.Refusal {
        return switch (r.peek()) {
            case STRING -> new JsonPrimitive(r.nextString());
            case NUMBER -> new JsonPrimitive(new BigDecimal(r.nextString()));
            case BOOLEAN -> new JsonPrimitive(r.nextBoolean());
            case NULL -> {
                r.nextNull();
                yield JsonNull.INSTANCE;
            }
            case BEGIN_ARRAY -> {
                if (!arrayAllowed) throw new Api.Refusal(400, "the body nests arrays or objects deeper than this API takes");
                JsonArray a = new JsonArray();
                r.beginArray();
                while (r.hasNext()) a.add(value(r, false));
                r.endArray();
                yield a;
            }
            default -> throw new Api.Refusal(400, "the body nests arrays or objects deeper than this API takes");
        };
    }

    /** " (line 1, column 6)" from Gson's message, which also names classes and a troubleshooting page. */
    private static String place(Exception e) {
        Matcher m = PLACE.matcher(String.valueOf(e.getMessage()));
        return m.find() ? " (line " + m.group(1) + ", column " + m.group(2) + ")" : "";
    }
}

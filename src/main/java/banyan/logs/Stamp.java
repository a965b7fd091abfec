package banyan.logs;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** UTC timestamps with microseconds, "2025-01-31T12:00:00.123456Z", cheap enough for every line. */
public final class Stamp {
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");
    private long cachedSecond = Long.MIN_VALUE; // owner: the one thread that calls format
    private String cachedPrefix = "";

    public String format(Instant t) {
        if (t.getEpochSecond() != cachedSecond) {
            cachedSecond = t.getEpochSecond();
            cachedPrefix = LocalDateTime.ofEpochSecond(cachedSecond, 0, ZoneOffset.UTC).format(SECONDS) + ".";
        }
        String micros = Integer.toString(t.getNano() / 1000);
        return cachedPrefix + "000000".substring(micros.length()) + micros + "Z";
    }
}

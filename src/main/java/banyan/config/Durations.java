package banyan.config;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** "250ms", "10s", "5m", "1h", "1m30s", "1.5s" to a Duration. */
public final class Durations {
    private Durations() {}

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|us|s|m|h|d)");

    /** 100 years: longer is surely a typo, and a deadline of now plus that still fits in a long of nanoseconds. */
    public static final Duration MAX = Duration.ofDays(36_500);
    private static final long TOO_LONG = -1, NOT_A_DURATION = -2;

    /** Empty when text is not a duration or is longer than {@link #MAX}. */
    public static Optional<Duration> parse(String text) {
        long n = nanos(text);
        return n < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(n));
    }

    /** Whether text is written as a duration but is longer than {@link #MAX}. */
    public static boolean tooLong(String text) {
        return nanos(text) == TOO_LONG;
    }

    /** Nanoseconds; NOT_A_DURATION, or TOO_LONG past MAX (each part is checked, so the sum cannot overflow). */
    private static long nanos(String text) {
        String s = text.trim();
        if (s.isEmpty()) return NOT_A_DURATION;
        Matcher m = PART.matcher(s);
        long nanos = 0, max = MAX.toNanos();
        int at = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) return NOT_A_DURATION;
            double v = Double.parseDouble(m.group(1));
            long unit = switch (m.group(2)) {
                case "us" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> 86_400_000_000_000L;
            };
            double part = v * unit;
            if (part > max) return TOO_LONG;
            nanos += Math.round(part);
            if (nanos > max) return TOO_LONG;
            at = m.end();
        }
        return nanos;
    }

    /** The shortest faithful text: 1500ms, 2s, 5m. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) return ms / 3_600_000 + "h";
        if (ms % 60_000 == 0 && ms > 0) return ms / 60_000 + "m";
        if (ms % 1000 == 0 && ms > 0) return ms / 1000 + "s";
        return ms + "ms";
    }
}

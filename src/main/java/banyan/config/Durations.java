package banyan.config;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** "250ms", "10s", "5m", "1h", "1m30s", "1.5s" to a Duration. */
public final class Durations {
    private Durations() {}

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|us|s|m|h|d)");

    public static Optional<Duration> parse(String text) {
        String s = text.trim();
        if (s.isEmpty()) return Optional.empty();
        Matcher m = PART.matcher(s);
        long nanos = 0;
        int at = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) return Optional.empty();
            double v = Double.parseDouble(m.group(1));
            long unit = switch (m.group(2)) {
                case "us" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> 86_400_000_000_000L;
            };
            nanos += Math.round(v * unit);
            at = m.end();
        }
        return Optional.of(Duration.ofNanos(nanos));
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

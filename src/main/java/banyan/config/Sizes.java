package banyan.config;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** "4MiB", "512KiB", "1MB", "65536" to a byte count: KiB/MiB/GiB are powers of 1024, KB/MB/GB of 1000. */
public final class Sizes {
    private Sizes() {}

    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})\\s*(|B|KB|KiB|MB|MiB|GB|GiB)");

    /** Empty when text is not a size, or one too large for a long. */
    public static Optional<Long> parse(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) return Optional.empty();
        long unit = switch (m.group(2)) {
            case "KB" -> 1_000L;
            case "KiB" -> 1L << 10;
            case "MB" -> 1_000_000L;
            case "MiB" -> 1L << 20;
            case "GB" -> 1_000_000_000L;
            case "GiB" -> 1L << 30;
            default -> 1L;
        };
        try {
            return Optional.of(Math.multiplyExact(Long.parseLong(m.group(1)), unit));
        } catch (ArithmeticException overflow) { // "999999999999999GiB"
            return Optional.empty();
        }
    }
}

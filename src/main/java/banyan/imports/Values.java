package banyan.imports;

import banyan.config.Durations;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Values as banyan writes them: signal names, sizes, durations. */
final class Values {
    private Values() {}

    private static final List<String> SIGNALS = List.of("", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL",
            "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
            "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");

    /** "TERM", "SIGTERM", "term" or "15" as banyan's stop_signal ("TERM"); empty when it names no signal. */
    static Optional<String> signal(String text) {
        String n = text.strip().toUpperCase(Locale.ROOT);
        if (n.startsWith("SIG")) n = n.substring(3);
        if (SIGNALS.indexOf(n) > 0) return Optional.of(n);
        try {
            int v = Integer.parseInt(n);
            if (v > 0 && v < SIGNALS.size()) return Optional.of(SIGNALS.get(v));
            if (v > 0 && v < 65) return Optional.of(String.valueOf(v));
        } catch (NumberFormatException ignored) {
            // not a number either
        }
        return Optional.empty();
    }

    static String seconds(long s) {
        return Durations.format(Duration.ofSeconds(s));
    }

    static String millis(long ms) {
        return Durations.format(Duration.ofMillis(ms));
    }

    /** Bytes in banyan's size syntax: 50MiB, 512KiB, or the number. */
    static String size(long bytes) {
        if (bytes > 0 && bytes % (1L << 30) == 0) return bytes / (1L << 30) + "GiB";
        if (bytes > 0 && bytes % (1L << 20) == 0) return bytes / (1L << 20) + "MiB";
        if (bytes > 0 && bytes % 1024 == 0) return bytes / 1024 + "KiB";
        return String.valueOf(bytes);
    }

    static final long MIN_LOG_SIZE = 32 * 1024;
}

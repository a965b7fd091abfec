package banyan.init;

import banyan.config.Durations;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The [boot] keys init reads, after banyan.KEY=VALUE from the kernel command line overrode them.
 * A bad value is reported and its default used: a typo must not keep a machine from booting.
 *
 * @param target          the target brought up in stage 2
 * @param hostname        set in stage 1 when given
 * @param onFailure       empty: a boot failure is reported and the rest keeps running ("continue")
 * @param grace           stage 4: how long remaining processes get between SIGTERM and SIGKILL
 * @param mainStopTimeout stage 3: how long MAIN gets between SIGTERM and SIGKILL
 */
public record BootSettings(String target, Optional<String> hostname, Optional<Action> onFailure, Duration grace,
                           Duration mainStopTimeout) {
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(3), DEFAULT_MAIN_STOP_TIMEOUT = Duration.ofSeconds(10);
    static final String PREFIX = "banyan.";

    /** Settings and what was wrong with the variables (each message names the key and the fix). */
    public record Parsed(BootSettings settings, List<String> problems) {}

    public static Parsed parse(Map<String, String> vars) {
        List<String> problems = new ArrayList<>();
        String target = vars.getOrDefault("target", "default");
        Optional<String> hostname = Optional.ofNullable(vars.get("hostname"));
        if (hostname.isPresent() && !hostname.get().matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,62})")) {
            problems.add("[boot].hostname: '" + hostname.get() + "' is not a host name (letters, digits, '-' and '.', at most 63)");
            hostname = Optional.empty();
        }
        Optional<Action> onFailure = Optional.empty();
        String f = vars.getOrDefault("on_failure", "continue");
        if (!f.equals("continue")) {
            onFailure = Action.parse(f);
            if (onFailure.isEmpty()) problems.add("[boot].on_failure: '" + f + "' is not allowed; use one of: continue, halt, poweroff, reboot");
        }
        return new Parsed(new BootSettings(target, hostname, onFailure,
                duration(vars, "grace", DEFAULT_GRACE, problems), duration(vars, "main_stop_timeout", DEFAULT_MAIN_STOP_TIMEOUT, problems)),
                problems);
    }

    private static Duration duration(Map<String, String> vars, String key, Duration dflt, List<String> problems) {
        String v = vars.get(key);
        if (v == null) return dflt;
        Optional<Duration> d = Durations.parse(v);
        if (d.isEmpty()) problems.add("[boot]." + key + ": '" + v + "' is not a duration; write it like \"500ms\" or \"3s\"");
        return d.orElse(dflt);
    }

    /** [boot] with the kernel's command line laid over it; one that cannot be read is reported (log) and ignored. */
    static Map<String, String> overlayKernel(Map<String, String> boot, java.util.function.Consumer<String> log) {
        Map<String, String> out = new LinkedHashMap<>(boot);
        out.putAll(kernelWords(log));
        return out;
    }

    /** The banyan.KEY=VALUE words of /proc/cmdline; none when it cannot be read (reported to log). */
    public static Map<String, String> kernelWords(java.util.function.Consumer<String> log) {
        try {
            return fromCommandLine(banyan.os.Machine.kernelCommandLine());
        } catch (banyan.os.TextFile.Unreadable e) {
            log.accept("stage 1: /proc/cmdline: " + e.getMessage() + "; its banyan.KEY=VALUE words are ignored");
            return Map.of();
        }
    }

    /** A machine's /etc/hostname; none when it is missing, empty or unreadable (a machine need not have one). */
    static Optional<String> etcHostname() {
        try {
            String h = banyan.os.TextFile.read(java.nio.file.Path.of("/etc/hostname")).trim(); // never a FIFO's wait, nor a huge read
            return h.isEmpty() ? Optional.empty() : Optional.of(h);
        } catch (banyan.os.TextFile.Unreadable e) {
            return Optional.empty();
        }
    }

    /** [boot] with every banyan.KEY=VALUE of the kernel command line laid over it. */
    public static Map<String, String> overlay(Map<String, String> boot, String cmdline) {
        Map<String, String> out = new LinkedHashMap<>(boot);
        out.putAll(fromCommandLine(cmdline));
        return out;
    }

    /** banyan.KEY=VALUE words of a kernel command line; the kernel's double quotes may hold spaces. */
    public static Map<String, String> fromCommandLine(String cmdline) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String word : words(cmdline)) {
            if (word.equals("--")) break; // the rest belongs to init's argv, not to the kernel
            int eq = word.indexOf('=');
            if (!word.startsWith(PREFIX) || eq <= PREFIX.length()) continue;
            out.put(word.substring(PREFIX.length(), eq), word.substring(eq + 1));
        }
        return out;
    }

    private static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean quoted = false;
        for (char c : s.toCharArray()) {
            if (c == '"') quoted = !quoted;
            else if (Character.isWhitespace(c) && !quoted) {
                if (!w.isEmpty()) out.add(w.toString());
                w.setLength(0);
            } else w.append(c);
        }
        if (!w.isEmpty()) out.add(w.toString());
        return out;
    }
}

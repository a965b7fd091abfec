package banyan.supervise;

import java.util.ArrayList;
import java.util.List;

/**
 * What one sd_notify datagram tells, in the order it tells it. The datagram is lines of
 * KEY=VALUE; banyan reads the keys below and, as systemd does, ignores every other key, a line
 * without '=', and a value it cannot use (READY=0, MAINPID=abc). Pure: its tests are tables.
 */
sealed interface Notice {
    /** READY=1 */
    record Ready() implements Notice {}

    /** STATUS=text: shown in status until the instance ends. */
    record Status(String text) implements Notice {}

    /** STOPPING=1 */
    record Stopping() implements Notice {}

    /** WATCHDOG=1: alive; the watchdog deadline starts again. */
    record Watchdog() implements Notice {}

    /** WATCHDOG=trigger: the service asks to be restarted. */
    record WatchdogTrigger() implements Notice {}

    /** MAINPID=N: the main process is now N (a daemon that forked). */
    record MainPid(int pid) implements Notice {}

    /** EXTEND_TIMEOUT_USEC=N: the start or stop deadline is at least N µs away. */
    record ExtendTimeout(long micros) implements Notice {}

    static List<Notice> parse(String datagram) {
        List<Notice> out = new ArrayList<>();
        for (String line : datagram.split("\n")) {
            int eq = line.indexOf('=');
            if (eq <= 0) continue;
            String value = line.substring(eq + 1);
            switch (line.substring(0, eq)) {
                case "READY" -> { if (value.equals("1")) out.add(new Ready()); }
                case "STATUS" -> out.add(new Status(value));
                case "STOPPING" -> { if (value.equals("1")) out.add(new Stopping()); }
                case "WATCHDOG" -> {
                    if (value.equals("1")) out.add(new Watchdog());
                    else if (value.equals("trigger")) out.add(new WatchdogTrigger());
                }
                case "MAINPID" -> { int pid = positive(value); if (pid > 0) out.add(new MainPid(pid)); }
                case "EXTEND_TIMEOUT_USEC" -> { int us = positive(value); if (us > 0) out.add(new ExtendTimeout(us)); }
                default -> { } // unknown keys are ignored, as systemd does
            }
        }
        return out;
    }

    /** The value as a positive int, else 0. */
    private static int positive(String s) {
        try {
            return Math.max(0, Integer.parseInt(s.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}

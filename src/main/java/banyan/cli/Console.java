package banyan.cli;

import banyan.supervise.Host;
import banyan.supervise.ServiceState;
import banyan.supervise.ServiceStatus;

import java.time.LocalTime;
import java.util.function.Consumer;

/**
 * What `banyan up` prints: each service's lines prefixed with its name, and each state change.
 * Lines are put together by hand: String.format and DateTimeFormatter cost more than the rest of a
 * state change, which bringing up a thousand services pays a thousand times.
 */
final class Console implements Host.Output, Host.Listener {
    private final Consumer<String> out; // never blocks: a ConsoleSink in up and init
    private final int width;
    private volatile java.util.function.Consumer<String> copy = m -> {}; // banyan's own messages also go here (its log file)

    Console(Consumer<String> out, int nameWidth) {
        this.out = out;
        this.width = nameWidth;
    }

    /** Wide enough for every name, a logger's NAME/log included, and for "banyan". */
    static int width(banyan.config.StackConfig config) {
        return Math.max(6, config.services().values().stream()
                .mapToInt(s -> s.name().length() + (s.logger().isPresent() ? 4 : 0)).max().orElse(6));
    }

    @Override
    public void line(String service, String stream, String text, boolean split) {
        print(named(service).append("err".equals(stream) ? " ! " : " | ").append(text).append(split ? " [line split]" : ""));
    }

    @Override
    public void changed(ServiceStatus before, ServiceStatus now) {
        if (now.state() == before.state() && now.pid() == before.pid() && !now.statusText().equals(before.statusText())) {
            print(named(now.name()).append(" * status: ").append(now.statusText()));
            return;
        }
        StringBuilder b = named(now.name()).append(" * ").append(before.state().wire()).append(" -> ").append(now.state().wire());
        if (now.pid() > 0) b.append(" pid=").append(now.pid());
        if (now.restarts() > before.restarts() && now.pid() != before.pid()) b.append(" (restarted after: ").append(now.reason()).append(")");
        else if (!now.reason().isEmpty() && now.state() != ServiceState.UP) b.append(" (").append(now.reason()).append(")");
        if (now.restarts() > 0) b.append(" restarts=").append(now.restarts());
        print(b);
    }

    void copyTo(java.util.function.Consumer<String> sink) {
        copy = sink;
    }

    void banyan(String message) {
        copy.accept(message);
        print(named("banyan").append(" * ").append(message));
    }

    /** "HH:mm:ss.SSS NAME" with the name padded to the width. */
    private StringBuilder named(String name) {
        LocalTime t = LocalTime.now();
        StringBuilder b = new StringBuilder(80);
        two(b, t.getHour()).append(':');
        two(b, t.getMinute()).append(':');
        two(b, t.getSecond()).append('.');
        int ms = t.getNano() / 1_000_000;
        two(b.append(ms / 100), ms % 100).append(' ').append(name);
        for (int i = name.length(); i < width; i++) b.append(' ');
        return b;
    }

    private static StringBuilder two(StringBuilder b, int n) {
        return b.append((char) ('0' + n / 10)).append((char) ('0' + n % 10));
    }

    private void print(CharSequence line) {
        out.accept(line.toString());
    }

    /** The console of `banyan up` and `banyan init`: fd 1 and 2 made best effort, and a Console on fd 1. */
    static Console standard(int nameWidth) {
        Console[] self = {null};
        ConsoleSink sink = ConsoleSink.installStandardStreams(n -> self[0].named("banyan").append(" * console: ").append(n)
                .append(" line(s) dropped: the console did not keep up (the log files have them)").toString());
        self[0] = new Console(sink::offer, nameWidth);
        return self[0];
    }
}

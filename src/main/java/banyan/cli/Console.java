package banyan.cli;

import banyan.supervise.Host;
import banyan.supervise.ServiceStatus;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/** What `banyan up` prints: each service's lines prefixed with its name, and each state change. */
final class Console implements Host.Output, Host.Listener {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private final PrintStream out;
    private final int width;
    private volatile java.util.function.Consumer<String> copy = m -> {}; // banyan's own messages also go here (its log file)

    Console(PrintStream out, int nameWidth) {
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
        print(String.format("%-" + width + "s %s %s%s", service, "err".equals(stream) ? "!" : "|", text, split ? " [line split]" : ""));
    }

    @Override
    public void changed(ServiceStatus before, ServiceStatus now) {
        StringBuilder b = new StringBuilder();
        if (now.state().equals(before.state()) && now.pid() == before.pid() && !now.statusText().equals(before.statusText())) {
            print(String.format("%-" + width + "s * status: %s", now.name(), now.statusText()));
            return;
        }
        b.append(String.format("%-" + width + "s * %s -> %s", now.name(), before.state(), now.state()));
        if (now.pid() > 0) b.append(" pid=").append(now.pid());
        if (now.restarts() > before.restarts() && now.pid() != before.pid()) b.append(" (restarted after: ").append(now.reason()).append(")");
        else if (!now.reason().isEmpty() && !"up".equals(now.state())) b.append(" (").append(now.reason()).append(")");
        if (now.restarts() > 0) b.append(" restarts=").append(now.restarts());
        print(b.toString());
    }

    void copyTo(java.util.function.Consumer<String> sink) {
        copy = sink;
    }

    void banyan(String message) {
        copy.accept(message);
        print(String.format("%-" + width + "s * %s", "banyan", message));
    }

    private void print(String line) {
        synchronized (out) {
            out.println(LocalTime.now().format(TIME) + " " + line);
        }
    }
}

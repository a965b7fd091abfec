package banyan.cli;

import banyan.config.StackConfig;
import banyan.control.Events;
import banyan.logs.Logs;
import banyan.supervise.Host;
import banyan.supervise.LogPump;

import java.time.Duration;

/**
 * What the control API serves, shared by `banyan up` and `banyan init`: per-service log files and
 * rings fed by one pump, and the state changes as events; every line and change also goes to the console.
 */
final class Plane {
    final Logs logs;
    final Events events = new Events();
    final LogPump pump = new LogPump();
    final Host.Output output;
    final Host.Listener listener;

    Plane(StackConfig config, Console console) {
        logs = new Logs(config.log(), System.getenv(), console::banyan);
        console.copyTo(logs::own);
        output = new Host.Output() {
            @Override
            public void line(String service, String stream, String text, boolean split) {
                console.line(service, stream, text, split);
                logs.line(service, stream, text, split);
            }

            @Override
            public void flush(String service) {
                logs.flush(service);
            }
        };
        listener = (before, now) -> {
            console.changed(before, now);
            events.changed(before, now);
        };
    }

    /** After the services are down: their last lines reach the files, then the files close. */
    void close() throws InterruptedException {
        pump.awaitDrained(Duration.ofSeconds(2));
        logs.close();
    }
}

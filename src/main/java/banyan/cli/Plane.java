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
    /** A root's changes and what it did: on the console (and so in banyan's own log) and as events. */
    final banyan.roots.Roots.Listener roots;

    Plane(StackConfig config, Console console) {
        logs = new Logs(config.log(), System.getenv(), console::banyan);
        console.copyTo(logs::own);
        pump.afterBatch(logs::flush);
        output = (service, stream, text, split) -> {
            console.line(service, stream, text, split);
            logs.line(service, stream, text, split);
        };
        Listeners both = new Listeners(console);
        listener = both;
        roots = both;
    }

    /** Services' and roots' changes: on the console (and so in banyan's own log) and as events. */
    private final class Listeners implements Host.Listener, banyan.roots.Roots.Listener {
        private final Console console;

        Listeners(Console console) {
            this.console = console;
        }

        @Override
        public void changed(banyan.supervise.ServiceStatus before, banyan.supervise.ServiceStatus now) {
            console.changed(before, now);
            events.changed(before, now);
        }

        @Override
        public void changed(banyan.roots.RootStatus before, banyan.roots.RootStatus now) {
            console.banyan("root " + now.name() + ": " + before.state() + " -> " + now.state() + now.source().map(s -> " (" + s + ")").orElse("")
                    + (now.reason().isEmpty() ? "" : ": " + now.reason()));
            events.rootChanged(before, now);
        }

        @Override
        public void note(String root, String text) {
            console.banyan("root " + root + ": " + text);
        }
    }

    /** After the services are down: their last lines reach the files, then the files close. */
    void close() throws InterruptedException {
        pump.awaitDrained(Duration.ofSeconds(2));
        logs.close();
    }
}

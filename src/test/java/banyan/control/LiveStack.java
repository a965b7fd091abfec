package banyan.control;

import banyan.config.ConfigLoader;
import banyan.config.StackConfig;
import banyan.logs.Logs;
import banyan.manage.Stack;
import banyan.supervise.Host;
import banyan.supervise.LogPump;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/** A real stack in this JVM with its API on a real unix socket: what `banyan up` wires, minus the console. */
final class LiveStack implements AutoCloseable {
    final Path dir;
    final Stack stack;
    final Logs logs;
    final ControlServer server;
    final LogPump pump = new LogPump();
    final CountDownLatch shutdown = new CountDownLatch(1);
    final java.util.List<Optional<String>> shutdownActions = new java.util.concurrent.CopyOnWriteArrayList<>();

    LiveStack(String toml, Duration writeTimeout, Optional<java.net.InetSocketAddress> tcp, Optional<String> token) throws Exception {
        dir = Files.createTempDirectory("banyan-api");
        Path file = dir.resolve("banyan.toml");
        Files.writeString(file, "log_dir = \"" + dir.resolve("log") + "\"\n" + toml);
        StackConfig config = ConfigLoader.load(file);
        logs = new Logs(config.log(), System.getenv(), m -> {});
        pump.afterBatch(logs::flush);
        Events events = new Events();
        Host host = new Host(System.getenv(), Optional.empty(), Optional.empty(), pump, logs, events);
        stack = new Stack(config, host);
        server = new ControlServer(new ControlServer.Options(dir.resolve("control.sock"), tcp, token, writeTimeout),
                stack, logs, events, new ControlServer.Hooks(action -> {
                    shutdownActions.add(action);
                    shutdown.countDown();
                }, Optional.empty()));
        stack.up();
    }

    LiveStack(String toml) throws Exception {
        this(toml, Duration.ofSeconds(30), Optional.empty(), Optional.empty());
    }

    Path socket() {
        return server.socket();
    }

    @Override
    public void close() throws Exception {
        stack.down();
        server.close();
        logs.close();
    }
}

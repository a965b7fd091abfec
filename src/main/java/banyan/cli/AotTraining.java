package banyan.cli;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The launcher's training run for the AOT cache (target/banyan.aot): the status calls people
 * make, against a stand-in for the control API on a private socket, so that the cache holds the
 * classes a real `banyan status` loads (socket, HTTP, JSON, table) and not only those of an
 * unreachable banyan. Nothing else: the JVM loads every class of the cache when it starts, so
 * each class in it that status does not use makes status slower (picocli's own classes cannot be
 * cached anyway: they are Java 5 bytecode). Prints what the commands print; the launcher discards it.
 * With "up DIR" it trains the server's cache instead (target/banyan-up.aot): see {@link #up}.
 */
final class AotTraining {
    private AotTraining() {}

    // every shape of row that status prints (each uptime form and each string concatenation in
    // the table is linked on first use, and the cache keeps only what the training run linked)
    private static final String[] SERVICES = {service("web", "up", 5.2, "serving", 0), service("db", "up", 125, "", 3),
            service("queue", "up", 3725.5, "", 0), service("cron", "up", 90061, "", 0), service("job", "failed", 0, "", 0)};
    private static final String[] ANSWERS = {
            answer("200 OK", "{\"services\":[" + String.join(",", SERVICES) + "]}"),
            answer("200 OK", "{\"services\":[" + String.join(",", SERVICES) + "]}"),
            answer("200 OK", SERVICES[0]),
            answer("404 Not Found", "{\"error\":\"no service named 'nosuch'; GET /v1/services lists them\"}")};

    /** args: the socket to serve on, a short path (the launcher gives one relative to target/). */
    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("up")) {
            System.exit(up(Path.of(args[1])));
        }
        ControlClient.useJdkSelectorProvider(); // before the stand-in's socket, as in a real run
        Path socket = Path.of(args.length > 0 ? args[0] : "banyan-aot-training.sock"), absent = Path.of(socket + ".absent");
        Files.deleteIfExists(socket);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread t = new Thread(() -> serve(server));
            t.setDaemon(true);
            t.start();
            String s = socket.toString();
            Main.main(new String[]{"status", "--control", s});
            FastPath.run(new String[]{"status", "--json", "--control", s});
            FastPath.run(new String[]{"status", "web", "--control=" + s});
            FastPath.run(new String[]{"status", "nosuch", "--control", s});
            FastPath.run(new String[]{"status", "--control", absent.toString()});
        } finally {
            Files.deleteIfExists(socket);
        }
    }

    /**
     * `banyan up` of a two-service stack in dir (a short relative path: the socket lives there),
     * brought up, asked for its status, and shut down through the API: the classes of config
     * parsing, Jetty, the stack and the supervisors, which otherwise take a few hundred
     * milliseconds to load and link at every start of the server.
     */
    private static int up(Path dir) throws Exception {
        Files.createDirectories(dir);
        Path config = dir.resolve("banyan.toml");
        String socket = dir.resolve("control.sock").toString();
        Files.writeString(config, "log_dir = \"" + dir.resolve("logs").toAbsolutePath() + "\"\n\n"
                + "[service.a]\ncommand = [\"sleep\", \"60\"]\n\n"
                + "[service.b]\ncommand = \"echo started; exec sleep 60\"\nrequires = [\"a\"]\n");
        int[] rc = {-1};
        Thread server = new Thread(() -> rc[0] = Main.picocli(new String[]{"up", "-f", config.toString(), "--control", socket}));
        server.start();
        long end = System.nanoTime() + 20_000_000_000L;
        boolean ready;
        while (!(ready = Main.picocli(new String[]{"wait", "b", "--ready", "--timeout", "10s", "--control", socket}) == Main.OK)
                && System.nanoTime() < end && server.isAlive())
            Thread.sleep(50);
        if (ready) FastPath.run(new String[]{"status", "--control", socket});
        Main.picocli(new String[]{"shutdown", "--no-wait", "--control", socket}); // even when not ready: its services must stop
        server.join(20_000);
        return ready ? rc[0] : 1;
    }

    private static String service(String name, String state, double uptime, String statusText, int lost) {
        boolean up = state.equals("up");
        return "{\"name\":\"" + name + "\",\"state\":\"" + state + "\",\"ready\":" + up + ",\"pid\":" + (up ? 4242 : 0)
                + ",\"restarts\":1,\"since\":\"2026-01-01T00:00:00.000000001Z\",\"uptime_seconds\":" + uptime
                + ",\"exit\":" + (up ? "null" : "{\"pid\":4241,\"code\":1,\"signal\":null,\"description\":\"exited 1\"}") + ",\"reason\":\"" + (up ? "start requested" : "exited 1")
                + "\",\"status_text\":\"" + statusText + "\",\"log_lines_lost\":" + lost + "}";
    }

    private static String answer(String status, String body) {
        String json = body + "\n"; // as the server writes it
        return "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: "
                + json.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + json;
    }

    private static void serve(ServerSocketChannel server) {
        for (String a : ANSWERS) {
            try (SocketChannel c = server.accept()) {
                c.read(ByteBuffer.allocate(8192)); // the request: one small write by the client
                c.write(ByteBuffer.wrap(a.getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                return;
            }
        }
    }
}

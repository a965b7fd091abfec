package banyan.roots;

import banyan.TestHost;
import banyan.manage.RootsAt;
import banyan.manage.Stack;
import banyan.os.Mounts;
import banyan.supervise.ServiceState;
import banyan.supervise.ServiceStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static banyan.roots.RootsHarness.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Services on roots, for real: a stack whose services live on bind roots holding a static
 * busybox (Debian's busybox-static). They see the root as /, wait for it, die with it when it is
 * lost and come back once it is re-acquired; a reroot is a clean switch; banyan holds nothing there.
 */
@Timeout(120)
class RootServicesIT {
    static final Duration LIMIT = Duration.ofSeconds(30);
    @TempDir
    Path dir;
    TestHost t;
    Stack stack;
    final List<String> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        requireMounts();
        t = new TestHost();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        if (stack != null) stack.down();
        detachUnder(dir);
    }

    /** A root's tree: a static busybox as /bin/busybox and /bin/sh, /etc/os-release naming it, and a marker. */
    Path tree(String name) throws Exception {
        Path t = dir.resolve(name);
        Files.createDirectories(t.resolve("bin"));
        Files.createDirectories(t.resolve("etc"));
        Files.copy(Path.of("/bin/busybox"), t.resolve("bin/busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.createSymbolicLink(t.resolve("bin/sh"), Path.of("busybox"));
        Files.writeString(t.resolve("etc/os-release"), "ID=" + name + "\n");
        Files.writeString(t.resolve("marker"), "on root " + name + "\n");
        return t;
    }

    Stack stack(String toml) throws Exception {
        stack = new Stack(TestHost.config(dir, toml), t.host, new RootsAt(dir.resolve("roots"), new Roots.Listener() {
            @Override
            public void changed(RootStatus before, RootStatus now) {
                events.add(now.name() + " " + now.state() + " " + now.source().orElse("-") + " @" + t.changes.size());
                System.out.println("root " + now.name() + " * " + before.state() + " -> " + now.state() + " " + now.reason());
            }

            @Override
            public void note(String root, String text) {
                System.out.println("root " + root + ": " + text);
            }
        }));
        return stack;
    }

    static final String PROBE = "probe = { file = \"/etc/os-release\", interval = \"200ms\", timeout = \"2s\", failures = 2 }\n";

    String roots(Path a, Path b) {
        return """
                [root.app]
                sources = [{ name = "a", bind = "%s" }, { name = "b", bind = "%s" }]
                """.formatted(a, b) + PROBE;
    }

    /** The service prints what it sees as /, then waits. */
    static final String SEES = """
            [service.app]
            root = "app"
            command = ["/bin/sh", "-c", "echo sees $(cat /marker) $(cat /etc/os-release); echo proc $(cat /proc/self/comm); ls /dev/null /dev/pts >/dev/null && echo dev-ok; exec sleep 1000"]
            """;

    void awaitLine(String line) throws InterruptedException {
        await("line '" + line + "' in " + t.lines, () -> t.lines.contains(line));
    }

    ServiceStatus awaitState(String name, ServiceState state) throws InterruptedException {
        assertTrue(stack.await(name, s -> s.state() == state, LIMIT), name + " not " + state + ": " + stack.status(name));
        return stack.status(name).orElseThrow();
    }

    @Test
    void aServiceOnARootSeesItAsItsRootWithProcDevAndBinds() throws Exception {
        Path a = tree("a"), b = tree("b"), shared = dir.resolve("shared");
        Files.createDirectories(shared);
        Files.writeString(shared.resolve("note"), "from the host\n");
        stack(roots(a, b) + SEES + """
                binds = ["%s:/mnt/shared:ro"]
                [service.reader]
                root = "app"
                requires = ["app"]
                command = ["/bin/sh", "-c", "cat /mnt/shared/note; touch /mnt/shared/x || echo read-only; [ -e %s ] || echo host-hidden; exec sleep 1000"]
                binds = ["%s:/mnt/shared:ro"]
                """.formatted(shared, dir, shared)).up();
        Map<String, String> up = stack.awaitUp(LIMIT).orElseThrow();
        assertEquals(Map.of("app", "ready", "reader", "ready"), up);
        awaitLine("app: sees on root a ID=a");
        awaitLine("app: proc cat"); // /proc/self is the reader of it
        awaitLine("app: dev-ok");
        awaitLine("reader: from the host");
        awaitLine("reader: read-only");
        awaitLine("reader: host-hidden");
        assertFalse(Files.exists(shared.resolve("x")));
        assertEquals(List.of("app up a"), stack.roots().stream().map(r -> r.name() + " " + r.state() + " " + r.source().orElse("-")).toList());
        // Principle 1: banyan holds nothing on the root while its services run there.
        RootsHarness.assertHoldsNothingUnder(dir.resolve("roots"));
    }

    @Test
    void aServiceWaitsForItsRootAndSaysSo() throws Exception {
        Path a = tree("a");
        Path missing = dir.resolve("missing");
        stack("""
                [root.app]
                sources = [{ name = "gone", bind = "%s" }]
                """.formatted(missing) + SEES).up();
        await("app waiting for its failed root: " + stack.status("app"),
                () -> stack.status("app").orElseThrow().reason().startsWith("waiting for root app (failed: no source could be had: gone: "));
        assertEquals(ServiceState.DOWN, stack.status("app").orElseThrow().state());
        Files.move(a, missing); // the source comes into being: the root's retry finds it, and the service starts
        awaitLine("app: sees on root a ID=a");
        assertEquals("", awaitState("app", ServiceState.UP).reason().replace("start requested", ""), "no longer waiting");
    }

    @Test
    void aRootUnmountedByAThirdPartyKillsItsServicesAndTheyComeBackOnTheNext() throws Exception {
        Path a = tree("a"), b = tree("b");
        stack(roots(a, b) + SEES + """
                [service.user]
                requires = ["app"]
                command = ["sleep", "1000"]
                [service.bystander]
                command = ["sleep", "1000"]
                """).up();
        stack.awaitUp(LIMIT).orElseThrow();
        awaitLine("app: sees on root a ID=a");
        int appPid = stack.status("app").orElseThrow().pid(), userPid = stack.status("user").orElseThrow().pid();
        int bystander = stack.status("bystander").orElseThrow().pid();
        Mounts.unmount(dir.resolve("roots/app").toString(), Mounts.MNT_DETACH);
        awaitLine("app: sees on root b ID=b");
        await("user back", () -> stack.status("user").map(s -> s.state() == ServiceState.UP && s.pid() != userPid).orElse(false));
        assertNotEquals(appPid, stack.status("app").orElseThrow().pid());
        assertEquals(bystander, stack.status("bystander").orElseThrow().pid(), "a service on no root is untouched");
        RootStatus r = stack.roots().getFirst();
        assertEquals(1, r.losses());
        assertEquals(Optional.of("b"), r.source());
        assertTrue(events.stream().anyMatch(e -> e.startsWith("app lost a")), events.toString());
    }

    @Test
    void aRerootStopsTheServicesSwitchesAndStartsThemAgain() throws Exception {
        Path a = tree("a"), b = tree("b");
        stack(roots(a, b) + SEES).up();
        stack.awaitUp(LIMIT).orElseThrow();
        awaitLine("app: sees on root a ID=a");
        assertThrows(IllegalArgumentException.class, () -> stack.reroot("app", Optional.of("nfs")));
        assertThrows(IllegalArgumentException.class, () -> stack.reroot("nope", Optional.empty()));
        stack.reroot("app", Optional.of("b"));
        awaitLine("app: sees on root b ID=b");
        assertEquals(0, stack.roots().getFirst().losses(), "a reroot is no loss");
        // The service was down before the root was released (a clean switch, not a loss).
        String releasing = events.stream().filter(e -> e.startsWith("app releasing a")).findFirst().orElseThrow(() -> new AssertionError(events));
        int seen = Integer.parseInt(releasing.substring(releasing.indexOf('@') + 1));
        List<String> before = t.changes.subList(0, seen).stream().map(s -> s.name() + " " + s.state()).toList();
        assertEquals("app down", before.getLast(), before.toString());
    }

    @Test
    void downStopsTheServicesThenReleasesTheRoot() throws Exception {
        Path a = tree("a"), b = tree("b");
        stack(roots(a, b) + SEES).up();
        stack.awaitUp(LIMIT).orElseThrow();
        awaitLine("app: sees on root a ID=a");
        stack.down();
        stack = null;
        assertFalse(mounted(dir.resolve("roots/app")), "released at the end");
        assertTrue(events.getLast().startsWith("app down"), events.toString());
    }

    /** One HTTP/1.0 request on the control socket; the whole answer (the server closes the connection after it). */
    static String http(Path socket, String method, String path, String body) throws Exception {
        try (var ch = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(socket))) {
            String req = method + " " + path + " HTTP/1.0\r\nHost: banyan\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.getBytes().length + "\r\n\r\n" + body;
            ch.write(java.nio.ByteBuffer.wrap(req.getBytes()));
            var out = new java.io.ByteArrayOutputStream();
            var buf = java.nio.ByteBuffer.allocate(8192);
            while (ch.read(buf) > 0) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            return out.toString();
        }
    }

    @Test
    void theApiShowsRootsReroutesThemAndCountsThem() throws Exception {
        Path a = tree("a"), b = tree("b");
        var events = new banyan.control.Events();
        var logs = new banyan.logs.Logs(new banyan.config.LogConfig(Optional.of(dir.resolve("log")), 1 << 20, 2), System.getenv(), m -> {});
        stack = new Stack(TestHost.config(dir, roots(a, b) + SEES), t.host, new RootsAt(dir.resolve("roots"), new Roots.Listener() {
            @Override
            public void changed(RootStatus before, RootStatus now) {
                events.rootChanged(before, now);
            }
        }));
        var server = new banyan.control.ControlServer(new banyan.control.ControlServer.Options(dir.resolve("control.sock"), Optional.empty(),
                Optional.empty(), Duration.ofSeconds(5)), stack, logs, events, new banyan.control.ControlServer.Hooks(x -> {}, Optional.empty()));
        try {
            stack.up();
            stack.awaitUp(LIMIT).orElseThrow();
            Path sock = server.socket();
            String roots = http(sock, "GET", "/v1/roots", "");
            assertTrue(roots.startsWith("HTTP/1.1 200"), roots);
            assertTrue(roots.contains("{\"roots\":[{\"name\":\"app\",\"state\":\"up\",\"source\":\"a\""), roots);
            String metrics = http(sock, "GET", "/metrics", "");
            assertTrue(metrics.contains("banyan_root_up{root=\"app\"} 1"), metrics);
            assertTrue(metrics.contains("banyan_root_losses_total{root=\"app\"} 0"), metrics);
            assertTrue(metrics.matches("(?s).*banyan_root_acquire_seconds\\{root=\"app\"} 0\\.\\d+.*"), metrics);
            String unknown = http(sock, "POST", "/v1/roots/app/reroot", "{\"source\": \"nfs\"}");
            assertTrue(unknown.startsWith("HTTP/1.1 400") && unknown.contains("root app has no source 'nfs'; its sources: a, b"), unknown);
            String none = http(sock, "POST", "/v1/roots/db/reroot", "{}");
            assertTrue(none.startsWith("HTTP/1.1 404") && none.contains("no root named 'db'"), none);
            try (var ch = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(sock))) {
                ch.write(java.nio.ByteBuffer.wrap("GET /v1/events HTTP/1.1\r\nHost: banyan\r\n\r\n".getBytes()));
                var seen = new StringBuilder();
                var buf = java.nio.ByteBuffer.allocate(65536);
                while (!seen.toString().contains(": banyan events")) { // subscribed once this is sent: the reroot comes after
                    buf.clear();
                    if (ch.read(buf) < 0) break;
                    seen.append(new String(buf.array(), 0, buf.position()));
                }
                String ok = http(sock, "POST", "/v1/roots/app/reroot", "{\"source\": \"b\"}");
                assertTrue(ok.startsWith("HTTP/1.1 202"), ok);
                awaitLine("app: sees on root b ID=b");
                while (!seen.toString().contains("\"state\":\"up\",\"source\":\"b\"")) {
                    buf.clear();
                    if (ch.read(buf) < 0) break;
                    seen.append(new String(buf.array(), 0, buf.position()));
                }
                assertTrue(seen.toString().contains("event: root\ndata: {\"name\":\"app\",\"state\":\"releasing\""), seen.toString());
            }
        } finally {
            server.close();
        }
    }
}

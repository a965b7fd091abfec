package banyan.roots;

import banyan.TestHost;
import banyan.manage.RootsAt;
import banyan.manage.Stack;
import banyan.supervise.ServiceState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static banyan.roots.RootsHarness.*;
import static banyan.roots.SshfsIT.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A service on an sshfs root, for real: it keeps reading a file on the root and says which
 * source it sees. The server is frozen while the service is blocked on the mount: the service is
 * killed all the same, runs again on the local fallback, and the API answers all along; thawed,
 * a reroot brings the service back to the server.
 */
@Timeout(180)
class SshfsServicesIT {
    @TempDir
    Path dir;
    SshServer ssh;
    Stack stack;
    banyan.control.ControlServer server;
    final List<RootStatus> heard = new java.util.concurrent.CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        if (ssh != null) ssh.thaw();
        if (server != null) server.close();
        if (stack != null) stack.down();
        if (ssh != null) ssh.close();
        detachUnder(dir);
    }

    /** A root's tree: a static busybox, /etc/os-release, and a marker naming the source. */
    Path tree(String name) throws Exception {
        Path t = dir.resolve(name);
        for (String d : List.of("bin", "etc", "proc", "sys", "dev", "tmp")) Files.createDirectories(t.resolve(d));
        Files.copy(Path.of("/bin/busybox"), t.resolve("bin/busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.createSymbolicLink(t.resolve("bin/sh"), Path.of("busybox"));
        Files.writeString(t.resolve("etc/os-release"), "ID=" + name + "\n");
        Files.writeString(t.resolve("marker"), name + "\n");
        return t;
    }

    /** The service: reads /marker five times a second and says so whenever it changes. */
    static final String WATCHER = """
            [service.watcher]
            root = "app"
            command = ["/bin/sh", "-c", "last=; while :; do m=$(cat /marker); if [ \\"$m\\" != \\"$last\\" ]; then echo sees $m; last=$m; fi; sleep 0.2; done"]
            """;

    @Test
    void aServiceBlockedOnAFrozenServerIsKilledRunsOnTheFallbackAndComesBackAfterAReroot() throws Exception {
        requireMounts();
        requirePrograms("sshd", "sshfs", "ssh-keygen", "ip", "nsenter");
        Path srv = tree("net"), local = tree("local");
        ssh = new SshServer(dir);
        TestHost t = new TestHost();
        String toml = """
                [root.app]
                sources = [{ name = "net", command = %s }, { name = "local", bind = "%s" }]
                probe = { file = "/etc/os-release", interval = "500ms", timeout = "2s", failures = 2 }
                """.formatted(ssh.sshfs(srv), local) + WATCHER;
        stack = new Stack(TestHost.config(dir, toml), t.host, new RootsAt(dir.resolve("roots"), new Roots.Listener() {
            @Override
            public void changed(RootStatus before, RootStatus now) {
                heard.add(now);
                System.out.println("root " + now.name() + " * " + before.state() + " -> " + now.state() + " " + now.reason());
            }
        }));
        var logs = new banyan.logs.Logs(new banyan.config.LogConfig(Optional.of(dir.resolve("log")), 1 << 20, 2), System.getenv(), m -> {});
        server = new banyan.control.ControlServer(new banyan.control.ControlServer.Options(dir.resolve("control.sock"), Optional.empty(),
                Optional.empty(), Duration.ofSeconds(5)), stack, logs, new banyan.control.Events(),
                new banyan.control.ControlServer.Hooks(x -> {}, Optional.empty()));
        stack.up();
        await("the watcher sees the server's root", () -> t.lines.contains("watcher: sees net"));
        assertEquals("fuse.sshfs", mountAt(dir.resolve("roots/app")).fsType());
        int first = stack.status("watcher").orElseThrow().pid();
        List<Long> idle = statusTimes(10);

        ssh.freeze();
        long blocked = awaitBlockedReader(first);
        List<Long> hung = statusTimes(10); // while the service waits in the kernel for the frozen server
        assertTrue(ProcessHandle.of(blocked).isPresent(), "measured while the reader was still blocked");
        System.out.println("GET /v1/services (us): idle " + idle + ", while the root hangs " + hung);

        await("the watcher on the fallback", () -> t.lines.contains("watcher: sees local"));
        var now = stack.status("watcher").orElseThrow();
        assertEquals(ServiceState.UP, now.state());
        assertNotEquals(first, now.pid(), "killed and started again");
        await("the blocked reader gone", () -> ProcessHandle.of(blocked).isEmpty());
        RootStatus root = stack.roots().getFirst();
        assertEquals(Optional.of("local"), root.source());
        assertEquals(1, root.losses());
        RootStatus lost = heard.stream().filter(st -> st.state().wire().equals("lost")).findFirst().orElseThrow();
        assertEquals(Optional.of("net"), lost.source());
        assertTrue(lost.reason().startsWith("probe failed 2 times in a row: no answer within 2s"), lost.reason());

        ssh.thaw();
        int lines = t.lines.size();
        stack.reroot("app", Optional.of("net"));
        await("the watcher back on the server", () -> t.lines.subList(lines, t.lines.size()).contains("watcher: sees net"));
        assertEquals(Optional.of("net"), stack.roots().getFirst().source());
        assertEquals(1, stack.roots().getFirst().losses(), "a reroot is no loss");
        RootsHarness.assertHoldsNothingUnder(dir.resolve("roots"));
    }

    /**
     * A process of the service held in the kernel waiting for the FUSE server: a read of /marker
     * (request_wait_answer), or the page fault of an exec of busybox from the root (folio_wait_bit_common,
     * a page being read in through FUSE); its pid.
     */
    static long awaitBlockedReader(int service) throws Exception {
        long[] found = {0};
        await("the service's reader blocked on the frozen server", () -> {
            List<Long> tree = new ArrayList<>(List.of((long) service));
            ProcessHandle.of(service).ifPresent(h -> h.descendants().forEach(d -> tree.add(d.pid())));
            for (long p : tree) {
                String wchan = read(Path.of("/proc/" + p + "/wchan"));
                if (wchan.equals("request_wait_answer") || wchan.equals("folio_wait_bit_common")) {
                    found[0] = p;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    /** n round trips of GET /v1/services, each answered with 200 within 2 s (a hang fails); their times in microseconds. */
    List<Long> statusTimes(int n) throws Exception {
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            String answer = RootServicesIT.http(server.socket(), "GET", "/v1/services", "");
            long us = (System.nanoTime() - start) / 1000;
            assertTrue(answer.startsWith("HTTP/1.1 200") && answer.contains("\"watcher\""), answer);
            assertTrue(us < 2_000_000, "GET /v1/services took " + us + " us");
            times.add(us);
        }
        return times;
    }
}

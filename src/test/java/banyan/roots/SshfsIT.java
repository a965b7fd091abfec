package banyan.roots;

import banyan.os.Mounts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static banyan.roots.RootsHarness.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A network root for real: Debian's sshd in a network namespace this test makes ({@link SshServer}),
 * frozen with SIGSTOP while a probe and a reader wait on it.
 */
@Timeout(180)
class SshfsIT {
    @TempDir
    Path dir;
    RootsHarness h;
    final List<Child> started = new ArrayList<>();
    SshServer ssh;

    @AfterEach
    void tearDown() throws Exception {
        if (ssh != null) ssh.thaw();
        if (h != null) h.close();
        if (ssh != null) ssh.close();
        for (Child c : started) {
            c.signal(banyan.os.Signals.KILL);
            c.await(java.time.Duration.ofSeconds(10));
        }
    }

    @Test
    void aFrozenServerIsLostItsFuseConnectionAbortedAndTheFallbackServesWhileTheRootThreadStaysFree() throws Exception {
        requireMounts();
        requirePrograms("sshd", "sshfs", "ssh-keygen", "ip", "nsenter");
        h = new RootsHarness(dir);
        Path srv = tree("srv", "net"), local = tree("local", "local"), other = tree("other", "other");
        ssh = new SshServer(dir);
        String sshfs = ssh.sshfs(srv);
        RootSupervisor app = h.start(h.config("app", """
                [root.app]
                sources = [{ name = "net", command = %s }, { name = "local", bind = "%s" }]
                probe = { file = "/etc/os-release", interval = "500ms", timeout = "4s", failures = 2 }
                """.formatted(sshfs, local)));
        RootSupervisor second = h.start(h.config("other", """
                [root.other]
                sources = [{ name = "disk", bind = "%s" }]
                """.formatted(other)));
        awaitUp(app, "net");
        awaitUp(second, "disk");
        Path place = h.roots.place("app");
        assertEquals("fuse.sshfs", mountAt(place).fsType());
        assertEquals("ID=net\n", Files.readString(place.resolve("etc/os-release")));
        h.assertHoldsNothingUnderRoots();

        ssh.freeze();
        assertTrue(Files.exists(place.resolve("etc/os-release")), "stat is still answered from the cache: a probe must read");
        Path said = dir.resolve("reader.out");
        Child reader = RootsHarness.spawn(said, "cat", place.resolve("etc/os-release").toString());
        started.add(reader);
        long probe = awaitHungProbe(place.resolve("etc/os-release"));
        assertTrue(reader.alive(), "a reader of the frozen root waits");
        assertEquals("request_wait_answer", read(Path.of("/proc/" + reader.pid() + "/wchan")), "in the kernel, for the FUSE server");

        // While that probe hangs, the root's own thread answers, and the other root is lost and acquired again.
        assertTrue(app.inspect().get(5, TimeUnit.SECONDS).startsWith("Up["), "the root thread is free");
        assertTrue(ProcessHandle.of(probe).isPresent(), "and the probe still hangs");
        Mounts.unmount(h.roots.place("other").toString(), Mounts.MNT_DETACH);
        await("the other root lost and up again", () -> second.status().losses() == 1 && second.status().up());
        assertEquals("up", app.status().state().wire(), "still within its detection budget");

        awaitUp(app, "local");
        assertEquals(1, app.status().losses());
        RootStatus lost = h.statuses.stream().filter(s -> s.name().equals("app") && s.state().wire().equals("lost")).findFirst().orElseThrow();
        assertEquals(Optional.of("net"), lost.source());
        assertTrue(lost.reason().startsWith("probe failed 2 times in a row: no answer within 4s"), lost.reason());
        assertTrue(h.notes.stream().anyMatch(n -> n.matches("app: aborted FUSE connection \\d+")), h.notes.toString());
        assertEquals("exited 1", reader.await(java.time.Duration.ofSeconds(10)).describe(), "the abort woke the reader blocked on the dead mount");
        assertTrue(read(said).endsWith("Software caused connection abort"), read(said));
        await("the hung probe gone", () -> ProcessHandle.of(probe).isEmpty());
        await("sshfs killed", () -> processes().stream().noneMatch(p -> cmdline(p).contains("sshfs") && cmdline(p).contains(srv.toString())));
        assertEquals("ID=local\n", Files.readString(place.resolve("etc/os-release")));
        h.assertHoldsNothingUnderRoots();

        ssh.thaw();
        int before = h.statuses.size();
        app.reroot(Optional.of("net"));
        await("up on net again", () -> h.statuses.subList(before, h.statuses.size()).stream()
                .anyMatch(st -> st.name().equals("app") && st.up() && st.source().equals(Optional.of("net"))));
        assertEquals("ID=net\n", Files.readString(place.resolve("etc/os-release")));
    }

    /** A probe child reading file that the kernel holds waiting for the FUSE server's answer; its pid. */
    private static long awaitHungProbe(Path file) throws Exception {
        long[] found = {0};
        await("a probe waiting on the frozen server", () -> {
            for (long p : processes()) {
                if (cmdline(p).endsWith("banyan-mount read " + file) && read(Path.of("/proc/" + p + "/wchan")).equals("request_wait_answer")) {
                    found[0] = p;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    Path tree(String name, String id) throws IOException {
        Path t = dir.resolve(name);
        Files.createDirectories(t.resolve("etc"));
        Files.writeString(t.resolve("etc/os-release"), "ID=" + id + "\n");
        return t;
    }

    /** Sends sig to every process in network namespace ns but its holder: the whole server freezes or thaws. */
    static void signalAll(String ns, String sig) throws Exception {
        String target = link(ns);
        String holder = ns.split("/")[2];
        for (long p : processes())
            if (!Long.toString(p).equals(holder) && target.equals(link("/proc/" + p + "/ns/net"))) run("kill", "-" + sig, Long.toString(p));
    }

    static List<Long> processes() {
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+")).map(Long::parseLong).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    static String cmdline(long pid) {
        return read(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ').strip();
    }

    static String link(String path) {
        try {
            return Files.readSymbolicLink(Path.of(path)).toString();
        } catch (IOException e) {
            return "";
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** Skips with a reason when a program is missing, except with CI=true: ./test installs them there. */
    static void requirePrograms(String... names) {
        for (String n : names) {
            boolean found = Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"), new String[]{"/usr/sbin", "/sbin"})
                    .flatMap(Stream::of).anyMatch(d -> Files.isExecutable(Path.of(d, n)));
            if (found) continue;
            if ("true".equals(System.getenv("CI"))) fail("CI=true but " + n + " is missing: ./test installs it (packages)");
            System.out.println("skipped: needs " + n);
            assumeTrue(false, "needs " + n);
        }
    }
}

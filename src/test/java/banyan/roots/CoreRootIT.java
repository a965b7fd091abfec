package banyan.roots;

import banyan.TestHost;
import banyan.manage.RootsAt;
import banyan.manage.Stack;
import banyan.os.Mounts;
import banyan.supervise.ServiceState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;

import static banyan.roots.RootsHarness.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The root named core, for real: a tmpfs filled from [core] copy (or with Debian's busybox-static
 * and its applet links), where a service lives through the loss of every other root.
 */
@Timeout(120)
class CoreRootIT {
    static final Duration LIMIT = Duration.ofSeconds(30);
    @TempDir
    Path dir;
    TestHost t;
    Stack stack;

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

    Stack stack(String toml) throws Exception {
        stack = new Stack(TestHost.config(dir, toml), t.host, new RootsAt(dir.resolve("roots"), (before, now) ->
                System.out.println("root " + now.name() + " * " + before.state() + " -> " + now.state() + " " + now.reason())));
        return stack;
    }

    void awaitLine(String line) throws InterruptedException {
        await("line '" + line + "' in " + t.lines, () -> t.lines.contains(line));
    }

    @Test
    void aServiceOnTheCoreLivesThroughTheLossOfEveryOtherRoot() throws Exception {
        Path app = dir.resolve("app");
        Files.createDirectories(app.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), app.resolve("bin/busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.createSymbolicLink(app.resolve("bin/sh"), Path.of("busybox"));
        stack("""
                [root.app]
                sources = [{ name = "a", bind = "%s" }]
                [service.app]
                root = "app"
                command = ["/bin/sh", "-c", "echo on app; exec sleep 1000"]
                [service.admin]
                root = "core"
                command = ["/bin/sh", "-c", "echo applets $(readlink /bin/sh) $(readlink /bin/mount) $(ls /bin | wc -l); [ -e /usr ] || echo no-usr; exec sleep 1000"]
                """.formatted(app)).up();
        stack.awaitUp(LIMIT).orElseThrow();
        awaitLine("app: on app");
        awaitLine("admin: applets busybox busybox " + run("/bin/busybox", "--list").lines().distinct().count()); // a link per applet
        awaitLine("admin: no-usr");
        RootStatus core = stack.roots().stream().filter(r -> r.name().equals("core")).findFirst().orElseThrow();
        assertEquals(banyan.roots.RootState.UP, core.state(), "the core appears among the roots: " + stack.roots());
        assertEquals("tmpfs", mountAt(dir.resolve("roots/core")).fsType());
        int admin = stack.status("admin").orElseThrow().pid(), appPid = stack.status("app").orElseThrow().pid();

        Mounts.unmount(dir.resolve("roots/app").toString(), Mounts.MNT_DETACH); // a third party takes the other root away
        await("app restarted on its root", () -> stack.status("app").map(s -> s.state() == ServiceState.UP && s.pid() != appPid).orElse(false));
        assertEquals(1, stack.roots().stream().filter(r -> r.name().equals("app")).findFirst().orElseThrow().losses());
        assertEquals(admin, stack.status("admin").orElseThrow().pid(), "the core's service is untouched by the loss");
        assertEquals(ServiceState.UP, stack.status("admin").orElseThrow().state());
        assertEquals(0, stack.roots().stream().filter(r -> r.name().equals("core")).findFirst().orElseThrow().losses());
        assertHoldsNothingUnder(dir.resolve("roots"));
    }

    @Test
    void copyPutsProgramsWithTheirLibrariesFilesAndTreesInTheCore() throws Exception {
        Path etc = dir.resolve("etc-admin");
        Files.createDirectories(etc.resolve("sub"));
        Files.writeString(etc.resolve("sub/motd"), "hello from the core\n");
        stack("""
                [core]
                copy = ["/bin/busybox", "/bin/ls", "%s"]
                size = "16MiB"
                [service.lister]
                root = "core"
                command = ["/bin/sh", "-c", "/bin/ls --version | head -1; cat %s/sub/motd; ls -l /bin/ls | grep -c busybox; exec sleep 1000"]
                """.formatted(etc, etc)).up();
        stack.awaitUp(LIMIT).orElseThrow();
        awaitLine("lister: " + run("/bin/ls", "--version").lines().findFirst().orElseThrow());
        awaitLine("lister: hello from the core");
        awaitLine("lister: 0"); // GNU ls, with its libraries, is not replaced by busybox's applet
        assertEquals(Optional.of("copy"), stack.roots().stream().filter(r -> r.name().equals("core")).findFirst().orElseThrow().source());
    }

    @Test
    void aCoreTooSmallForItsCopyFailsAndSaysWhy() throws Exception {
        // Sizes are checked when the file is read; a tree that grew since is caught by the copy itself.
        Path big = dir.resolve("big");
        Files.createDirectories(big);
        stack("""
                [core]
                copy = ["/bin/busybox", "%s"]
                size = "3MiB"
                [service.admin]
                root = "core"
                command = ["/bin/sh", "-c", "exec sleep 1000"]
                """.formatted(big));
        Files.write(big.resolve("blob"), new byte[4 << 20]);
        stack.up();
        await("core failed", () -> stack.roots().stream().anyMatch(r -> r.name().equals("core") && r.state() == banyan.roots.RootState.FAILED));
        String reason = stack.roots().stream().filter(r -> r.name().equals("core")).findFirst().orElseThrow().reason();
        assertTrue(reason.contains("No space left on device"), reason);
        assertEquals(ServiceState.DOWN, stack.status("admin").orElseThrow().state());
    }

    @Test
    void aShellOnTheCoreRunsItsShInsideItOnAPty() throws Exception {
        stack("[core]\ncopy = [\"/bin/busybox\"]\n").up();
        await("core up with no service on it", () -> stack.roots().stream().anyMatch(r -> r.name().equals("core") && r.up()));
        banyan.shell.Sessions sessions = new banyan.shell.Sessions(java.util.Map.of("PATH", "/bin", "TERM", "dumb"));
        banyan.shell.Session s = sessions.open(java.util.List.of("/bin/sh", "-c", "[ -e /usr ] || echo only-core; tty; exit 7"), 24, 80,
                Optional.empty(), Optional.of(new banyan.shell.Sessions.InRoot(dir.resolve("roots/core"), stack.host().execHelper().orElseThrow())));
        StringBuffer out = new StringBuffer();
        java.util.concurrent.CompletableFuture<Integer> code = new java.util.concurrent.CompletableFuture<>();
        s.attach(new banyan.shell.Session.Client() {
            public void output(byte[] data) { out.append(new String(data, java.nio.charset.StandardCharsets.UTF_8)); }
            public void exited(int c) { code.complete(c); }
        });
        assertEquals(7, code.get(30, java.util.concurrent.TimeUnit.SECONDS), out.toString());
        assertTrue(out.toString().contains("only-core"), "the shell sees the core as /: " + out);
        assertTrue(java.util.regex.Pattern.compile("/dev/pts/\\d+").matcher(out).find(), "on its pty: " + out);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> stack.reroot("core", Optional.empty()));
        assertTrue(e.getMessage().contains("never rerooted"), e.getMessage());
    }
}

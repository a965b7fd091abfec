package banyan.os;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The native calls of roots for real, in the private mount namespace that pom.xml's roots-it
 * execution gives this JVM: tmpfs, private propagation, the mount table's change wait, fusectl,
 * and banyan-mount's calls with their errors named.
 */
class MountHelperIT {
    @TempDir
    Path dir;

    @AfterEach
    void unmountAll() {
        MountTable.read().stream().filter(e -> e.point().startsWith(dir + "/")).map(MountTable.Entry::point).sorted(java.util.Comparator.reverseOrder())
                .forEach(p -> {
                    try {
                        Mounts.unmount(p, Mounts.MNT_DETACH);
                    } catch (OsException ignored) {
                        // gone with its parent
                    }
                });
    }

    static void requireMounts() throws Exception {
        assumeTrue(Boolean.getBoolean("banyan.rootsExecution"), "runs in the roots-it execution of pom.xml");
        String made = System.getenv("BANYAN_TEST_MOUNT_NS");
        String why = Proc.uid() != 0 ? "needs root to mount" : made == null || !made.equals(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString())
                ? "mounts only in the private mount namespace pom.xml gives this JVM" : null;
        if (why == null) return;
        if ("true".equals(System.getenv("CI"))) fail("CI=true but the test " + why);
        System.out.println("skipped: " + why);
        assumeTrue(false, why);
    }

    /** Runs banyan-mount with args; its exit and what it said. */
    static String helper(String... args) throws Exception {
        Path h = MountHelper.find().orElseThrow(() -> new AssertionError("banyan-mount is built beside banyan-exec"));
        List<String> argv = new java.util.ArrayList<>(List.of(h.toString()));
        argv.addAll(List.of(args));
        Fd.Pipe pipe = Fd.pipe();
        CompletableFuture<Reaper.Exit> exit = new CompletableFuture<>();
        try {
            Reaper.get().spawn(new Spawn.Spec(h.toString(), argv, List.of("PATH=/usr/bin:/bin"), Optional.empty(),
                    Map.of(1, pipe.writeEnd(), 2, pipe.writeEnd())), exit::complete);
        } finally {
            Fd.close(pipe.writeEnd());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        for (int n; (n = Fd.read(pipe.readEnd(), buf)) > 0; ) out.write(buf, 0, n);
        Fd.close(pipe.readEnd());
        return exit.get(30, TimeUnit.SECONDS).describe() + (out.size() > 0 ? ": " + out.toString().strip() : "");
    }

    @Test
    void aTmpfsOfASizeAndAWaitThatEndsWhenTheTableChanges() throws Exception {
        requireMounts();
        Path t = Files.createDirectory(dir.resolve("t"));
        try (MountTable.Watch w = new MountTable.Watch()) {
            assertFalse(w.await(50), "nothing changed");
            Mounts.tmpfs(t.toString(), 1 << 20);
            assertTrue(w.await(5000), "a mount wakes the wait");
            assertFalse(w.await(50), "once per change");
            Mounts.makePrivate(t.toString());
            Mounts.unmount(t.toString(), Mounts.MNT_FORCE | Mounts.MNT_DETACH);
            assertTrue(w.await(5000), "an unmount too");
        }
        OsException e = assertThrows(OsException.class, () -> Mounts.unmount(t.toString(), 0));
        assertEquals("umount2(" + t + "): Invalid argument (errno 22)", e.getMessage());
    }

    @Test
    void theHelpersCallsAndTheirErrorsNamingTheCall() throws Exception {
        requireMounts();
        Path src = Files.createDirectories(dir.resolve("src/etc")).getParent(), a = Files.createDirectory(dir.resolve("a")),
                b = Files.createDirectory(dir.resolve("b"));
        Files.writeString(src.resolve("etc/os-release"), "ID=src\n");
        assertEquals("exited 0", helper("bind", src.toString(), a.toString()));
        assertEquals("exited 0", helper("read", a + "/etc/os-release"));
        assertEquals("exited 1: open(" + a + "/etc/none): No such file or directory", helper("read", a + "/etc/none"));
        assertEquals("exited 0", helper("move", a.toString(), b.toString()));
        assertTrue(MountTable.top(MountTable.read(), b.toString()).isPresent());
        assertTrue(MountTable.top(MountTable.read(), a.toString()).isEmpty());
        assertEquals("exited 0", helper("umount", b.toString(), Integer.toString(Mounts.MNT_DETACH)));
        assertEquals("exited 1: umount2(" + b + "): Invalid argument", helper("umount", b.toString(), "0"));
        assertEquals("exited 1: mount(" + a + "): No such device", helper("device", "/dev/null", a.toString(), "nosuchfs", "0", ""));
        assertEquals("exited 1: stat(/dev/none): No such file or directory", helper("device", "/dev/none", a.toString(), "ext4", "0", ""));
        assertEquals("exited 2: usage: banyan-mount bind|device|move|umount|read|chroot ARGS... (see banyan-mount.c)", helper("bind", "x"));
        assertEquals("exited 127: execvp(/nothing): No such file or directory", helper("chroot", src.toString(), "/nothing"));
    }

    @Test
    void abortingAConnectionThatIsGoneSaysSoAndFusectlIsMountedWhereMissing() throws Exception {
        requireMounts();
        assertFalse(Fuse.abort(999_999), "no such connection");
        assertEquals("fusectl", MountTable.top(MountTable.read(), Fuse.CONNECTIONS.toString()).orElseThrow().fsType());
        assertFalse(Fuse.abort(999_999), "and a second time, with fusectl there");
    }
}

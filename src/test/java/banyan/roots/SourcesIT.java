package banyan.roots;

import banyan.config.RootConfig;
import banyan.os.MountTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static banyan.roots.RootsHarness.*;
import static org.junit.jupiter.api.Assertions.*;

/** Each kind of source acquired for real, in the test JVM's private mount namespace; and sources that fail. */
@Timeout(120)
class SourcesIT {
    @TempDir
    Path dir;
    RootsHarness h;

    @BeforeEach
    void setUp() {
        h = new RootsHarness(dir);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        if (h != null) h.close();
    }

    /** A small tree with /etc/os-release saying which one it is. */
    Path tree(String name) throws Exception {
        Path t = dir.resolve(name);
        Files.createDirectories(t.resolve("etc"));
        Files.writeString(t.resolve("etc/os-release"), "ID=" + name + "\n");
        return t;
    }

    static final String PROBE = "probe = { file = \"/etc/os-release\", interval = \"200ms\", timeout = \"2s\", failures = 2 }\n";

    @Test
    void aBindIsMountedAtItsStageProbedMovedIntoPlaceAndDetachedAtStop() throws Exception {
        Path local = tree("local");
        RootSupervisor s = h.start(h.config("app", """
                [root.app]
                sources = [{ name = "local", bind = "%s" }]
                """.formatted(local) + PROBE));
        awaitUp(s, "local");
        Path place = h.roots.place("app");
        assertEquals(dir.resolve("roots/app"), place);
        assertEquals("ID=local\n", Files.readString(place.resolve("etc/os-release")));
        assertTrue(mounted(place));
        try (Stream<Path> stages = Files.list(h.roots.base().resolve(".stage"))) {
            assertEquals(List.of(), stages.toList(), "the stage directory is removed once its mount moved into place");
        }
        assertEquals("tmpfs", mountAt(h.roots.base()).fsType(), "the roots directory is a tmpfs of banyan's own");
        h.assertHoldsNothingUnderRoots();
        assertEquals(List.of("acquiring", "up"), h.statuses.stream().map(st -> st.state().wire()).toList());

        s.stop();
        assertTrue(s.await(st -> st.state().wire().equals("down"), java.time.Duration.ofSeconds(10)), s.status().toString());
        assertFalse(mounted(place));
        assertEquals("ID=local\n", Files.readString(local.resolve("etc/os-release")), "a release leaves the source as it was");
        assertEquals(List.of("acquiring", "up", "releasing", "down"), h.statuses.stream().map(st -> st.state().wire()).toList());
    }

    @Test
    void anArchiveIsUnpackedIntoAFreshTmpfsOfItsSizeAndACorruptOneIsTheNextSourcesTurn() throws Exception {
        Path ram = tree("ram");
        Path archive = dir.resolve("ram.tar.gz");
        run("tar", "-czf", archive.toString(), "-C", ram.toString(), ".");
        Path corrupt = dir.resolve("corrupt.tar.gz");
        Files.write(corrupt, new byte[]{0x1f, (byte) 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        RootSupervisor s = h.start(h.config("app", """
                [root.app]
                sources = [{ name = "broken", archive = "%s", size = "8MiB" },
                           { name = "ram", archive = "%s", size = "8MiB" }]
                """.formatted(corrupt, archive) + PROBE));
        awaitUp(s, "ram");
        Path place = h.roots.place("app");
        assertEquals("ID=ram\n", Files.readString(place.resolve("etc/os-release")));
        MountTable.Entry m = mountAt(place);
        assertEquals("tmpfs", m.fsType());
        assertEquals(8L << 20, Files.getFileStore(place).getTotalSpace(), "the tmpfs has the size asked for");
        assertTrue(s.status().reason().startsWith("broken: exited 2: gzip: stdin: invalid compressed data"), s.status().reason());
        assertTrue(h.notes.stream().anyMatch(n -> n.startsWith("app: source broken failed: exited 2: gzip")), h.notes.toString());
        try (Stream<Path> stages = Files.list(h.roots.base().resolve(".stage"))) {
            assertEquals(List.of(), stages.toList(), "the broken archive's tmpfs was detached and its stage removed");
        }
        assertEquals(1, MountTable.read().stream().filter(e -> e.point().startsWith(h.roots.base() + "/")).count(),
                "only the root's own mount is left under the roots directory");
    }

    @Test
    void anExt4ImageIsMountedThroughALoopDeviceThatGoesAwayWithTheMount() throws Exception {
        Path content = tree("disk");
        Path image = dir.resolve("disk.img");
        run("truncate", "-s", "16M", image.toString());
        run("mkfs.ext4", "-q", "-F", "-d", content.toString(), image.toString());
        RootSupervisor s = h.start(h.config("app", """
                [root.app]
                sources = [{ name = "disk", device = "%s", fstype = "ext4", options = "ro,noatime" }]
                """.formatted(image) + PROBE));
        awaitUp(s, "disk");
        Path place = h.roots.place("app");
        assertEquals("ID=disk\n", Files.readString(place.resolve("etc/os-release")));
        MountTable.Entry m = mountAt(place);
        assertEquals("ext4", m.fsType());
        assertTrue(m.source().startsWith("/dev/loop"), m.source());
        String loop = Path.of(m.source()).getFileName().toString();
        assertEquals(image.toString(), Files.readString(Path.of("/sys/block", loop, "loop/backing_file")).strip());
        assertTrue(Files.readString(Path.of("/sys/block", loop, "loop/autoclear")).strip().equals("1"));
        assertThrows(java.nio.file.FileSystemException.class, () -> Files.writeString(place.resolve("x"), "x"), "mounted read-only");

        s.stop();
        assertTrue(s.await(st -> st.state().wire().equals("down"), java.time.Duration.ofSeconds(10)), s.status().toString());
        await("the loop device " + loop + " cleared once unmounted", () -> !Files.exists(Path.of("/sys/block", loop, "loop/backing_file")));
    }

    @Test
    void aMountHelperThatHangsIsKilledAtAcquireTimeoutOneThatMountsNothingFailsAndTheNextSourceServes() throws Exception {
        Path local = tree("local");
        Path marker = dir.resolve("hung-helper-" + System.nanoTime());
        RootSupervisor s = h.start(h.config("app", """
                [root.app]
                sources = [{ name = "hangs", command = ["/bin/sh", "-c", "echo $$ > %s; exec sleep 600", "sh", "{target}"] },
                           { name = "nothing", command = ["/bin/true", "{target}"] },
                           { name = "mount", command = ["mount", "--bind", "%s", "{target}"] }]
                acquire_timeout = "1s"
                """.formatted(marker, local) + PROBE));
        awaitUp(s, "mount");
        assertEquals("ID=local\n", Files.readString(h.roots.place("app").resolve("etc/os-release")));
        assertEquals("hangs: not mounted within acquire_timeout (1s); nothing: its helper exited 0 but nothing is mounted at its {target}",
                s.status().reason());
        int pid = Integer.parseInt(Files.readString(marker).strip());
        await("the hung helper " + pid + " is gone", () -> ProcessHandle.of(pid).isEmpty());
        assertEquals(List.of("acquiring", "up"), h.statuses.stream().map(st -> st.state().wire()).distinct().toList());
        assertEquals(List.of(Optional.of("hangs"), Optional.of("nothing"), Optional.of("mount"), Optional.of("mount")),
                h.statuses.stream().map(RootStatus::source).toList(), "each source is shown while it is tried");
    }

    @Test
    void whenEverySourceFailsTheRootIsFailedWithEveryReasonAndTriesAgain() throws Exception {
        Path later = dir.resolve("later");
        RootSupervisor s = h.start(h.config("app", """
                [root.app]
                sources = [{ name = "missing", bind = "%s" }, { name = "helper", command = ["no-such-helper", "{target}"] }]
                """.formatted(later) + PROBE));
        assertTrue(s.await(st -> st.state().wire().equals("failed"), java.time.Duration.ofSeconds(20)), s.status().toString());
        String reason = s.status().reason();
        assertTrue(reason.startsWith("no source could be had: missing: exited 1: mount MS_BIND(" + dir.resolve("roots/.stage")), reason);
        assertTrue(reason.contains("No such file or directory; helper: program 'no-such-helper' not found in PATH="), reason);
        tree("later");
        awaitUp(s, "missing");
        assertTrue(h.notes.stream().anyMatch(n -> n.contains("trying again in")), h.notes.toString());
    }

    @Test
    void aRerootMovesToTheSourceNamedAndAnUnknownSourceIsRefused() throws Exception {
        tree("a");
        tree("b");
        RootConfig c = h.config("app", """
                [root.app]
                sources = [{ name = "a", bind = "%s" }, { name = "b", bind = "%s" }]
                """.formatted(dir.resolve("a"), dir.resolve("b")) + PROBE);
        RootSupervisor s = h.start(c);
        awaitUp(s, "a");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.reroot(Optional.of("c")));
        assertEquals("root app has no source 'c'; its sources: a, b", e.getMessage());
        s.reroot(Optional.of("b"));
        awaitUp(s, "b");
        assertEquals("ID=b\n", Files.readString(h.roots.place("app").resolve("etc/os-release")));
        assertEquals(0, s.status().losses(), "a reroot is no loss");
        assertEquals(List.of("acquiring", "up", "releasing", "acquiring", "up"), h.statuses.stream().map(st -> st.state().wire()).toList());
    }

    @Test
    void anExecProbeRunsInsideTheRootAndItsFailureLosesIt() throws Exception {
        Path a = tree("a"), b = tree("b");
        Files.createDirectories(a.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), a.resolve("bin/busybox")); // static (busybox-static): it needs nothing else inside
        RootSupervisor s = h.start(h.config("app", """
                [root.app]
                sources = [{ name = "a", bind = "%s" }, { name = "b", bind = "%s" }]
                probe = { exec = ["/bin/busybox", "test", "-f", "/etc/ready"], interval = "100ms", timeout = "2s", failures = 1 }
                """.formatted(a, b)));
        assertTrue(s.await(st -> st.state().wire().equals("failed"), java.time.Duration.ofSeconds(20)), s.status().toString());
        assertTrue(s.status().reason().contains("b: probe: exited 127: execvp(/bin/busybox): No such file or directory"),
                "b has no busybox: the program is looked up inside the root, not on the host: " + s.status().reason());
        Files.writeString(a.resolve("etc/ready"), "");
        awaitUp(s, "a");
        Files.delete(a.resolve("etc/ready"));
        assertTrue(s.await(st -> st.losses() == 1, java.time.Duration.ofSeconds(20)), s.status().toString());
        RootStatus lost = h.statuses.stream().filter(st -> st.state().wire().equals("lost")).findFirst().orElseThrow();
        assertEquals("probe failed 1 time in a row: exited 1", lost.reason());
    }
}

package banyan.roots;

import banyan.os.Mounts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static banyan.roots.RootsHarness.*;
import static org.junit.jupiter.api.Assertions.*;

/** A root that is lost, for real: its probe fails, or someone unmounts it; and a failback once an earlier source is back. */
@Timeout(120)
class LossIT {
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

    Path tree(String name) throws Exception {
        Path t = dir.resolve(name);
        Files.createDirectories(t.resolve("etc"));
        Files.writeString(t.resolve("etc/os-release"), "ID=" + name + "\n");
        return t;
    }

    static final String PROBE = "probe = { file = \"/etc/os-release\", interval = \"100ms\", timeout = \"2s\", failures = 2 }\n";

    @Test
    void aProbeThatFailsLosesTheRootAndTheNextSourceServes() throws Exception {
        Path a = tree("a"), b = tree("b");
        RootSupervisor s = h.start(h.config("app", """
                [root.app]
                sources = [{ name = "a", bind = "%s" }, { name = "b", bind = "%s" }]
                """.formatted(a, b) + PROBE));
        awaitUp(s, "a");
        Files.delete(a.resolve("etc/os-release"));
        awaitUp(s, "b");
        assertEquals("ID=b\n", Files.readString(h.roots.place("app").resolve("etc/os-release")));
        assertEquals(1, s.status().losses());
        assertEquals(List.of("acquiring", "up", "lost", "acquiring", "up"), h.statuses.stream().map(st -> st.state().wire()).toList());
        RootStatus lost = h.statuses.get(2);
        assertEquals("a", lost.source().orElseThrow());
        assertTrue(lost.reason().startsWith("probe failed 2 times in a row: exited 1: open(" + h.roots.place("app") + "/etc/os-release): No such file"),
                lost.reason());
        assertTrue(h.notes.stream().anyMatch(n -> n.contains("probe of a failed (1 of 2)")), h.notes.toString());
        h.assertHoldsNothingUnderRoots();
    }

    @Test
    void aRootUnmountedBySomeoneElseIsLostAndAcquiredAgain() throws Exception {
        Path a = tree("a");
        RootSupervisor s = h.start(h.config("app", """
                [root.app]
                sources = [{ name = "a", bind = "%s" }]
                probe = { file = "/etc/os-release", interval = "1h" }
                """.formatted(a)));
        awaitUp(s, "a");
        Path place = h.roots.place("app");
        Mounts.unmount(place.toString(), 0); // the third party: this test's own thread, not the root's
        await("the root lost and up again", () -> s.status().losses() == 1 && s.status().up());
        assertTrue(mounted(place), "a new mount serves (mount ids are reused: the id may be the old one's)");
        assertEquals("ID=a\n", Files.readString(place.resolve("etc/os-release")));
        RootStatus lost = h.statuses.stream().filter(st -> st.state().wire().equals("lost")).findFirst().orElseThrow();
        assertEquals("unmounted by someone else", lost.reason());
        assertEquals(List.of("acquiring", "up", "lost", "acquiring", "up"), h.statuses.stream().map(st -> st.state().wire()).toList(),
                "seen from the mount table at once, with an hour between probes");
    }

    @Test
    void withFailbackAnEarlierSourceThatProbesHealthyAgainTakesOver() throws Exception {
        Path a = dir.resolve("a");
        Files.createDirectories(a);
        Path b = tree("b");
        RootSupervisor s = h.start(h.config("app", """
                [root.app]
                sources = [{ name = "a", bind = "%s" }, { name = "b", bind = "%s" }]
                failback = true
                """.formatted(a, b) + PROBE));
        awaitUp(s, "b");
        assertTrue(s.status().reason().startsWith("a: probe: exited 1: open("), s.status().reason());
        await("a failback trial that fails", () -> h.notes.stream().anyMatch(n -> n.startsWith("app: failback: a failed: probe: exited 1")));
        assertEquals("ID=b\n", Files.readString(h.roots.place("app").resolve("etc/os-release")), "b serves while a is tried");
        tree("a");
        awaitUp(s, "a");
        assertEquals("ID=a\n", Files.readString(h.roots.place("app").resolve("etc/os-release")));
        assertEquals(0, s.status().losses(), "a failback is no loss");
        assertEquals(List.of("acquiring a", "acquiring b", "up b", "releasing b", "acquiring a", "up a"),
                h.statuses.stream().map(st -> st.state() + " " + st.source().orElse("")).toList(),
                "b is released only once a is mounted and probed at its stage; then a moves into place");
        assertTrue(h.notes.contains("app: releasing: failback to a"), h.notes.toString());
    }
}

package banyan.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class RootConfigTest {
    @TempDir
    Path dir;

    Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    List<String> problems(String text) throws IOException {
        Path p = write("banyan.toml", text.replace("ARCHIVE", dir.resolve("app.tar.gz").toString()));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(p));
        return e.problems().stream().map(Problem::toString).map(s -> s.replace(p.toString(), "F")).toList();
    }

    @Test
    void readsEveryKindOfSourceTheProbeAndAServiceOnTheRoot() throws Exception {
        Files.writeString(dir.resolve("app.tar.gz"), "");
        StackConfig c = ConfigLoader.load(write("banyan.toml", """
                [root.app]
                sources = [
                  { name = "net", command = ["sshfs", "-o", "ro", "srv@10.77.0.2:/srv/app", "{target}"] },
                  { name = "disk", device = "/dev/vdb1", fstype = "ext4", options = "ro,noatime" },
                  { bind = "/var/lib/app-fallback" },
                  { name = "ram", archive = "%s", size = "256MiB" },
                ]
                probe = { file = "/etc/os-release", interval = "500ms", timeout = "3s", failures = 4 }
                acquire_timeout = "20s"
                failback = true

                [root.plain]
                sources = [{ bind = "/srv/plain" }]

                [service.app]
                command = ["/bin/app"]
                root = "app"
                binds = ["/etc/resolv.conf:/etc/resolv.conf:ro", "/srv/data:/data"]

                [service.host]
                command = ["/bin/true"]
                """.formatted(dir.resolve("app.tar.gz"))));
        RootConfig app = c.roots().get("app");
        assertEquals(List.of(
                new RootConfig.Command("net", List.of("sshfs", "-o", "ro", "srv@10.77.0.2:/srv/app", "{target}")),
                new RootConfig.Device("disk", "/dev/vdb1", "ext4", "ro,noatime"),
                new RootConfig.Bind("3", "/var/lib/app-fallback"),
                new RootConfig.Archive("ram", dir.resolve("app.tar.gz").toString(), 256L << 20)), app.sources());
        assertEquals(List.of("sshfs", "-o", "ro", "srv@10.77.0.2:/srv/app", "/run/banyan/roots/app"),
                ((RootConfig.Command) app.sources().getFirst()).argv("/run/banyan/roots/app"));
        assertEquals(Optional.of(new RootProbe(new RootProbe.File("/etc/os-release"), Duration.ofMillis(500), Duration.ofSeconds(3), 4)), app.probe());
        assertEquals(Duration.ofSeconds(20), app.acquireTimeout());
        assertTrue(app.failback());
        assertEquals(Optional.of(2), app.indexOf("3"));

        RootConfig plain = c.roots().get("plain");
        assertEquals(Optional.empty(), plain.probe(), "without probe only the mount table watches it");
        assertEquals(RootConfig.DEFAULT_ACQUIRE_TIMEOUT, plain.acquireTimeout());
        assertFalse(plain.failback());

        RootUse use = c.services().get("app").root().orElseThrow();
        assertEquals("app", use.root());
        assertEquals(List.of(new RootUse.Bind("/etc/resolv.conf", "/etc/resolv.conf", true), new RootUse.Bind("/srv/data", "/data", false)), use.binds());
        assertEquals(Optional.empty(), c.services().get("host").root());
    }

    @Test
    void aChangedRootOrViewIsWhatReloadSeesAndAMovedOneIsNot() throws Exception {
        String text = """
                [root.app]
                sources = [{ bind = "/srv/a" }]
                probe = { exec = ["/bin/true"] }
                [service.s]
                command = ["/bin/app"]
                root = "app"
                """;
        StackConfig a = ConfigLoader.load(write("a.toml", text));
        StackConfig moved = ConfigLoader.load(write("b.toml", "\n\n" + text));
        StackConfig other = ConfigLoader.load(write("c.toml", text.replace("/srv/a", "/srv/b")));
        StackConfig binds = ConfigLoader.load(write("d.toml", text + "binds = [\"/x:/y\"]\n"));
        assertTrue(a.roots().get("app").sameAs(moved.roots().get("app")));
        assertNotEquals(a.roots().get("app").place(), moved.roots().get("app").place());
        assertFalse(a.roots().get("app").sameAs(other.roots().get("app")));
        assertTrue(a.services().get("s").sameAs(moved.services().get("s")));
        assertFalse(a.services().get("s").sameAs(binds.services().get("s")));
        assertEquals(new RootProbe.Exec(List.of("/bin/true")), a.roots().get("app").probe().orElseThrow().check());
    }

    @Test
    void aServiceNamingAnUnknownRootIsToldWhereAndWhichRootsExist() throws IOException {
        assertEquals(List.of("F:6:1: service.web.root: no [root.ap]; did you mean 'app'?"), problems("""
                [root.app]
                sources = [{ bind = "/srv/app" }]

                [service.web]
                command = ["/bin/web"]
                root = "ap"
                """));
        assertEquals(List.of("F:3:1: service.web.root: no [root.data]; define it, as in [root.data] sources = [{ bind = \"/srv/data\" }]"),
                problems("""
                        [service.web]
                        command = ["/bin/web"]
                        root = "data"
                        """));
    }

    @Test
    void aSourceWithNoKindOrTwoKindsIsRejectedWhereItIsWritten() throws IOException {
        assertEquals(List.of(
                "F:3:5: [root.app.sources[1]]: names no kind of source; give exactly one of: bind, device, command, archive",
                "F:4:5: [root.app.sources[2]]: names bind and device; a source has exactly one kind: make each its own source"), problems("""
                [root.app]
                sources = [
                  { name = "x" },
                  { bind = "/srv/app", device = "/dev/vdb" },
                ]
                """));
    }

    @Test
    void aCommandMustSayWhereToMountAndBeAnArray() throws IOException {
        assertEquals(List.of(
                "F:2:26: root.app.sources[1].command: does not say where to mount: put {target} among its arguments, as in [\"sshfs\", \"srv:/app\", \"{target}\"]",
                "F:3:26: root.app.sources[2].command: must be an array of strings such as [\"sshfs\", \"srv:/app\", \"{target}\"]: the helper is exec'd directly",
                "F:4:26: root.app.sources[3].command: is an empty array; name the mount helper, as in [\"sshfs\", \"srv:/app\", \"{target}\"]"), problems("""
                [root.app]
                sources = [{ name = "a", command = ["sshfs", "srv:/app", "/mnt"] },
                           { name = "b", command = "sshfs srv:/app {target}" },
                           { name = "c", command = [] }]
                """));
    }

    @Test
    void anArchiveMustExistAtLoadAndHaveASize() throws IOException {
        Path ok = Files.writeString(dir.resolve("ok.tar"), "");
        assertEquals(List.of(
                "F:2:14: root.app.sources[1].archive: '" + dir.resolve("app.tar.gz") + "' does not exist; give the path of a .tar or .tar.gz",
                "F:3:14: [root.app.sources[2]]: an archive source needs size, the tmpfs it is unpacked into, such as size = \"256MiB\"",
                "F:4:14: root.app.sources[3].size: 'lots' is not a size of at least 4KiB; write it like \"256MiB\" or \"1GiB\"",
                "F:5:14: root.app.sources[4].archive: 'rel.tar' must be an absolute path",
                "F:6:14: root.app.sources[5].archive: '/' is not a file; give the path of a .tar or .tar.gz"), problems("""
                [root.app]
                sources = [{ archive = "ARCHIVE", size = "1MiB" },
                           { archive = "OK", name = "x" },
                           { size = "lots", archive = "OK", name = "y" },
                           { archive = "rel.tar", size = "1MiB", name = "z" },
                           { archive = "/", size = "1MiB", name = "w" }]
                """.replace("OK", ok.toString())));
    }

    @Test
    void misspeltAndMisplacedKeysNameTheNearestOneOrTheKindTheyBelongTo() throws IOException {
        List<String> p = problems("""
                [root.app]
                sorces = []
                sources = [{ bind = "/srv/app", fstype = "ext4" },
                           { device = "/dev/vdb", fstype = "ext4", optoins = "ro" },
                           { device = "/dev/vdc" }]
                probe = { file = "etc/os-release", interval = "0s", failure = 2 }
                acquire_timeout = "soon"
                failback = "yes"
                """);
        assertEquals(List.of(
                "F:2:1: root.app.sorces: unknown key; did you mean 'sources'? (allowed: acquire_timeout, failback, probe, sources)",
                "F:3:33: root.app.sources[1].fstype: belongs to a device source, not a bind one",
                "F:4:52: root.app.sources[2].optoins: unknown key; did you mean 'options'? (a device source takes: device, fstype, name, options)",
                "F:5:14: [root.app.sources[3]]: a device source needs fstype, such as fstype = \"ext4\"",
                "F:6:53: root.app.probe.failure: unknown key; did you mean 'failures'? (allowed: exec, failures, file, interval, timeout)",
                "F:6:11: root.app.probe.file: 'etc/os-release' must be an absolute path inside the root, such as \"/etc/os-release\"",
                "F:6:36: root.app.probe.interval: must be longer than 0",
                "F:7:1: root.app.acquire_timeout: 'soon' is not a duration; write it like \"250ms\", \"10s\", \"5m\" or \"1m30s\"",
                "F:8:1: root.app.failback: must be true or false, not the string \"yes\""), p);
    }

    @Test
    void sourcesProbesNamesAndBindsEachHaveTheirOwnErrors() throws IOException {
        List<String> p = problems("""
                [root.app]
                probe = { file = "/a", exec = ["/b"] }
                [root.b]
                sources = []
                [root.c]
                sources = [{ name = "x", bind = "/a" }, { name = "x", bind = "/b" }]
                [root."my.root"]
                sources = [{ bind = "/a" }]
                [root.core]
                sources = [{ bind = "/a" }]
                [service.s]
                command = ["/bin/s"]
                binds = ["/etc/hosts:/etc/hosts"]
                [service.t]
                command = ["/bin/t"]
                root = "c"
                binds = ["relative:/x", "/a:/b:rx", "/only"]
                """);
        assertEquals(List.of(
                "F:1:1: [root.app]: missing key 'sources': write sources = [{ name = \"local\", bind = \"/srv/app\" }]",
                "F:2:1: [root.app.probe]: names file and exec; give exactly one of: file = \"/etc/os-release\" (opened and read inside the root) or exec = [\"/bin/true\"] (run inside the root)",
                "F:4:1: root.b.sources: is empty; name at least one source, as in sources = [{ name = \"local\", bind = \"/srv/b\" }]",
                "F:6:43: root.c.sources[2].name: 'x' already names source 1; each source of a root needs its own name",
                "F:7:1: [root.my.root]: root name 'my.root' may hold only letters, digits, _ and - (it names a directory under /run/banyan/roots)",
                "F:9:1: [root.core]: the root named core is banyan's own core root; give this one another name",
                "F:13:1: service.s.binds: binds are made inside a service's root; add root = \"NAME\" or remove binds",
                "F:17:1: service.t.binds: 'relative:/x' needs absolute paths on both sides of ':', as in \"/etc/resolv.conf:/etc/resolv.conf:ro\"",
                "F:17:1: service.t.binds: '/a:/b:rx' ends in 'rx'; the only flags are ro and rw, as in \"/etc/resolv.conf:/etc/resolv.conf:ro\"",
                "F:17:1: service.t.binds: '/only' is not HOST:INSIDE or HOST:INSIDE:ro, as in \"/etc/resolv.conf:/etc/resolv.conf:ro\""), p);
    }

    @Test
    void aRootDefinedInTwoFilesNamesTheFirstPlace() throws IOException {
        Path d = Files.createDirectory(dir.resolve("conf"));
        Files.writeString(d.resolve("a.toml"), "[root.app]\nsources = [{ bind = \"/a\" }]\n");
        Files.writeString(d.resolve("b.toml"), "\n[root.app]\nsources = [{ bind = \"/b\" }]\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(d));
        assertEquals(List.of(d.resolve("b.toml") + ":2:1: [root.app]: root 'app' is already defined at " + d.resolve("a.toml") + ":1:1"),
                e.problems().stream().map(Problem::toString).toList());
    }
}

package banyan.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class DependencyConfigTest {
    @TempDir
    Path dir;

    private StackConfig load(String toml) throws Exception {
        Path f = dir.resolve("banyan.toml");
        Files.writeString(f, toml);
        return ConfigLoader.load(f);
    }

    private String problems(String toml) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(toml));
        return e.getMessage();
    }

    @Test
    void readsReadinessDependenciesAndTargets() throws Exception {
        StackConfig c = load("""
                [boot]
                target = "app"
                [service.db]
                command = ["redis-server"]
                ready = { notify = true }
                watchdog = "2s"
                start_timeout = "5s"
                [service.web]
                command = "serve"
                ready = { http = "http://127.0.0.1:8080/health", interval = "50ms", timeout = "200ms" }
                liveness = { tcp = "127.0.0.1:8080", failures = 2 }
                requires = ["db"]
                [service.migrate]
                type = "oneshot"
                command = "migrate"
                stop_command = ["rollback", "now"]
                after = ["db"]
                [service.extra]
                command = "x"
                [target.app]
                requires = ["web"]
                wants = ["migrate"]
                """);
        ServiceConfig db = c.services().get("db");
        assertEquals(new Probe.Notify(), db.readiness().probe().orElseThrow());
        assertEquals("2s", Durations.format(db.readiness().watchdog().orElseThrow()));
        ServiceConfig web = c.services().get("web");
        assertEquals(new Probe.Http("http://127.0.0.1:8080/health"), web.readiness().probe().orElseThrow());
        assertEquals(50, web.readiness().interval().toMillis());
        assertEquals(new Probe.Tcp("127.0.0.1", 8080), web.readiness().liveness().orElseThrow().probe());
        assertEquals(2, web.readiness().liveness().orElseThrow().failures());
        assertEquals(List.of("db"), web.deps().requires());
        ServiceConfig m = c.services().get("migrate");
        assertTrue(m.oneshot());
        assertEquals(RestartPolicy.Mode.NEVER, m.restart().mode());
        assertEquals(List.of("rollback", "now"), m.stopCommand().orElseThrow());
        assertEquals(java.util.Set.of("web", "db", "migrate"), c.closure(c.bootTarget()), "after does not pull; extra is outside the target");
    }

    @Test
    void withoutTargetsEveryServiceIsBroughtUp() throws Exception {
        StackConfig c = load("""
                [service.a]
                command = "a"
                [service.b]
                command = "b"
                """);
        assertEquals(java.util.Set.of("a", "b"), c.closure(c.bootTarget()));
    }

    @Test
    void cyclesArePrintedAsAPath() {
        String m = problems("""
                [service.a]
                command = "a"
                requires = ["b"]
                [service.b]
                command = "b"
                wants = ["c"]
                [service.c]
                command = "c"
                after = ["a"]
                """);
        assertTrue(m.contains("dependency cycle: a → b → c → a"), m);
        assertTrue(m.contains("banyan.toml:1:1"), m);
    }

    @Test
    void unknownNamesGetASuggestion() {
        String m = problems("""
                [service.redis]
                command = "r"
                [service.web]
                command = "w"
                requires = ["rediss"]
                [target.default]
                wants = ["nope"]
                """);
        assertTrue(m.contains("service.web.requires: no service 'rediss'; did you mean 'redis'?"), m);
        assertTrue(m.contains("target.default.wants: no service 'nope'"), m);
    }

    @Test
    void badReadinessIsExplained() {
        String m = problems("""
                [service.a]
                command = "a"
                ready = { tcp = "nohost", http = "x" }
                [service.b]
                command = "b"
                ready = { fd = 1 }
                [service.c]
                command = "c"
                ready = { log = "([" }
                watchdog = "1s"
                [service.d]
                command = "d"
                stop_command = "x"
                [service.e]
                command = "e"
                ready = { notifi = true }
                """);
        assertTrue(m.contains("service.a.ready]: names tcp and http; give exactly one of"), m);
        assertTrue(m.contains("service.b.ready.fd: must be an integer from 3 to 1023"), m);
        assertTrue(m.contains("service.c.ready.log: '([' is not a regular expression"), m);
        assertTrue(m.contains("service.c.watchdog: needs ready = { notify = true }"), m);
        assertTrue(m.contains("service.d.stop_command: only a type = \"oneshot\" service"), m);
        assertTrue(m.contains("did you mean 'notify'?"), m);
    }

    @Test
    void bootTargetMustExist() {
        String m = problems("""
                [boot]
                target = "prod"
                [service.a]
                command = "a"
                [target.default]
                requires = ["a"]
                """);
        assertTrue(m.contains("boot.target: no [target.prod]; defined: default"), m);
    }
}

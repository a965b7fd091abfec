package banyan.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class PeerConfigTest {
    @TempDir
    Path dir;

    private StackConfig load(String toml) throws Exception {
        Path f = dir.resolve("banyan.toml");
        Files.writeString(f, toml);
        return ConfigLoader.load(f);
    }

    private String problems(String toml) {
        return assertThrows(ConfigException.class, () -> load(toml)).getMessage();
    }

    @Test
    void readsPeersAndRemoteDependencies() throws Exception {
        StackConfig c = load("""
                peer_timeout = "1500ms"
                [peer.b]
                address = "10.77.0.2:7070"
                token_file = "/etc/banyan/b.token"
                [peer.v6]
                address = "[fd00::2]:7071"
                token_file = "/etc/banyan/v6.token"
                [service.app]
                command = "app"
                requires = ["files@b"]
                wants = ["cache@v6"]
                """);
        PeerConfig b = c.grid().peers().get("b");
        assertEquals(new PeerConfig("b", "10.77.0.2", 7070, Path.of("/etc/banyan/b.token"), b.place()), b);
        assertEquals("[fd00::2]:7071", c.grid().peers().get("v6").address());
        assertEquals(Duration.ofMillis(1500), c.grid().peerTimeout());
        assertEquals(List.of("files@b"), c.services().get("app").deps().requires());
        assertEquals("b", c.grid().peerOf("files@b").orElseThrow().name());
    }

    @Test
    void peerTimeoutDefaultsToThreeSecondsAndMayLiveInGrid() throws Exception {
        assertEquals(Duration.ofSeconds(3), load("[service.a]\ncommand = \"a\"\n").grid().peerTimeout());
        assertEquals(Duration.ofSeconds(5), load("[grid]\npeer_timeout = \"5s\"\n[service.a]\ncommand = \"a\"\n").grid().peerTimeout());
    }

    @Test
    void aLocalServiceNamedWithAnAtIsStillLocal() throws Exception {
        StackConfig c = load("""
                [service."getty@tty1"]
                command = "agetty"
                [service.x]
                command = "x"
                requires = ["getty@tty1"]
                """);
        assertTrue(c.grid().peers().isEmpty());
    }

    @Test
    void badPeersAreLocatedErrors() {
        String m = problems("""
                [peer.b]
                address = "10.77.0.2:7070"
                token_file = "/etc/b.token"
                [service.app]
                command = "app"
                requires = ["files@c"]
                """);
        assertTrue(m.contains("banyan.toml:4:1: service.app.requires: no service 'files@c' and no [peer.c]; did you mean 'files@b'?"), m);
        m = problems("[service.app]\ncommand = \"app\"\nwants = [\"files@b\"]\n");
        assertTrue(m.contains("service.app.wants: no service 'files@b' and no [peer.b]; define [peer.b] with its address and token_file"), m);
        for (String bad : List.of("10.77.0.2", "10.77.0.2:0", "10.77.0.2:70000", ":7070", "fd00::2:7070", "a b:1"))
            assertTrue(problems("[peer.b]\naddress = \"" + bad + "\"\ntoken_file = \"/t\"\n")
                    .contains("banyan.toml:2:1: peer.b.address: '" + bad + "' is not HOST:PORT"), bad);
        m = problems("[peer.b]\naddress = \"h:1\"\ntoken_file = \"t\"\nport = 3\n");
        assertTrue(m.contains("peer.b.token_file: 't' must be an absolute path"), m);
        assertTrue(m.contains("peer.b.port: unknown key"), m);
        assertTrue(problems("[peer.b]\ntoken_file = \"/t\"\n").contains("[peer.b]: missing key 'address'"));
        assertTrue(problems("peer_timeout = \"0s\"\n").contains("peer_timeout: must be longer than 0"));
        assertTrue(problems("peer = 3\n").contains("peer: must be tables: [peer.NAME]"));
        assertTrue(problems("[peer.\"b@c\"]\naddress = \"h:1\"\ntoken_file = \"/t\"\n").contains("peer name 'b@c' may hold only"));
    }
}

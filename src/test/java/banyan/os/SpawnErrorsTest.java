package banyan.os;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** The PATH search and the errors of real spawns that no retry can mend: each names the path and the reason. */
class SpawnErrorsTest {
    @TempDir
    Path dir;

    @Test
    void resolveSearchesPathInOrderAndSkipsWhatCannotRun() throws Exception {
        Path a = Files.createDirectory(dir.resolve("a")), b = Files.createDirectory(dir.resolve("b"));
        Files.createDirectory(a.resolve("tool")); // a directory is not a program
        Files.writeString(b.resolve("tool"), "#!/bin/sh\n");
        Path c = Files.createDirectory(dir.resolve("c"));
        Files.writeString(c.resolve("tool"), "#!/bin/sh\n", java.nio.charset.StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(c.resolve("tool"), PosixFilePermissions.fromString("rwxr-xr-x"));
        String path = a + "::" + b + ":" + c;
        assertEquals(Optional.of(c.resolve("tool").toString()), Spawn.resolve("tool", path), "b's copy is not executable");
        assertEquals(Optional.of("./tool"), Spawn.resolve("./tool", path), "a name with a slash is a path already");
        assertEquals(Optional.empty(), Spawn.resolve("no-such-tool", path));
        assertEquals(Optional.of("/bin/sh"), Spawn.resolve("sh", "/bin"));
    }

    @Test
    void missingNotExecutableAndNotAProgramArePermanent() throws Exception {
        Path plain = Files.writeString(dir.resolve("plain"), "echo hi\n");
        Path garbage = Files.write(dir.resolve("garbage"), new byte[]{0, 1, 2, 3, 4, 5, 6, 7});
        Files.setPosixFilePermissions(garbage, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (var c : List.of(new Object[]{dir.resolve("missing"), OsException.ENOENT}, new Object[]{plain, OsException.EACCES},
                new Object[]{garbage, OsException.ENOEXEC})) {
            String path = c[0].toString();
            var spec = new Spawn.Spec(path, List.of(path), List.of(), Optional.empty(), Map.of());
            OsException e = assertThrows(OsException.class, () -> Reaper.get().spawn(spec, x -> {}));
            assertEquals((int) c[1], e.errno(), e.getMessage());
            assertFalse(e.temporary(), e.getMessage());
            assertTrue(e.getMessage().contains(path), "names the path: " + e.getMessage());
        }
    }
}

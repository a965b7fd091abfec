package banyan.logs;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class LogFileTest {
    @Test
    void rotationKeepsTheDirectoryWithinItsBound() throws Exception {
        Path dir = Files.createTempDirectory("banyan-rot");
        long maxSize = 32 * 1024;
        LogFile f = new LogFile(dir, "svc.log", maxSize, 4, (file, n, why) -> fail("nothing is lost here"));
        for (int i = 1; i <= 20_000; i++) {
            f.append(Instant.now(), "out", "line " + i + " " + "x".repeat(i % 100), false);
            if (i % 100 == 0) f.flush();
        }
        f.close();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.sorted().toList();
        }
        assertEquals(List.of("svc.log", "svc.log.1", "svc.log.2", "svc.log.3"), files.stream().map(p -> p.getFileName().toString()).toList());
        for (Path p : files) assertTrue(Files.size(p) <= maxSize, p + " is within log_max_size");
        // the newest lines, in order across the kept files: oldest file first
        List<String> kept = new ArrayList<>();
        for (String name : List.of("svc.log.3", "svc.log.2", "svc.log.1", "svc.log")) kept.addAll(Files.readAllLines(dir.resolve(name)));
        assertTrue(kept.getLast().contains(" out line 20000 "));
        for (int i = 1; i < kept.size(); i++) {
            int a = Integer.parseInt(kept.get(i - 1).split(" ")[3]), b = Integer.parseInt(kept.get(i).split(" ")[3]);
            assertEquals(a + 1, b);
        }
    }

    @Test
    void splitPiecesAreMarked() throws Exception {
        Path dir = Files.createTempDirectory("banyan-split");
        LogFile f = new LogFile(dir, "s.log", 1 << 20, 2, (file, n, why) -> {});
        f.append(Instant.now(), "err", "first piece", true);
        f.append(Instant.now(), "err", "last piece", false);
        f.close();
        List<String> lines = Files.readAllLines(dir.resolve("s.log"));
        assertTrue(lines.get(0).endsWith(" err+ first piece"), lines.get(0));
        assertTrue(lines.get(1).endsWith(" err last piece"), lines.get(1));
    }
}

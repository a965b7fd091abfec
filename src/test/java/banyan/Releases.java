package banyan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The release of this build, made once per test JVM by src/dist/make-release from the packaged jar (execution "release"). */
final class Releases {
    private Releases() {}

    private static Path tarball;
    private static String log = "";

    /** Where the build is (target/), or null outside the integration-test phase. */
    static Path target() {
        String t = System.getProperty("banyan.release.target");
        return t == null ? null : Path.of(t);
    }

    static String version() {
        return System.getProperty("banyan.release.version");
    }

    /** What make-release said when it made the tarball. */
    static String log() {
        return log;
    }

    static synchronized Path tarball() throws IOException, InterruptedException {
        if (tarball != null) return tarball;
        Path target = target(), dir = Files.createTempDirectory("banyan-release");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
        Path out = dir.resolve("out"), said = dir.resolve("make-release.txt");
        long start = System.nanoTime();
        Process p = new ProcessBuilder("sh", target.getParent().resolve("src/dist/make-release").toString(), System.getProperty("java.home"),
                version(), target.toString(), out.toString()).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(said.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException("make-release took more than 5 minutes: " + Files.readString(said));
        }
        log = String.format("took %.1f s: %s", (System.nanoTime() - start) / 1e9, Files.readString(said).strip());
        if (p.exitValue() != 0) throw new IOException("make-release failed (" + p.exitValue() + "): " + log);
        tarball = out.resolve("banyan-" + version() + "-linux-x86_64.tar.gz");
        if (!Files.isRegularFile(tarball)) throw new IOException("make-release made no " + tarball + ": " + log);
        return tarball;
    }

    private static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            // a temporary directory: the system cleans it in the end
        }
    }
}

package banyan;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The release tarball, made once per test JVM by src/dist/make-release from the packaged target/:
 * ReleaseIT and OciIT share it (both run in the execution "release" of pom.xml, after package).
 */
final class ReleaseBuild {
    private static Path tarball;

    private ReleaseBuild() {}

    /** Skips with a reason when the tests run before package (no banyan.release.target). */
    static Path target() {
        String t = System.getProperty("banyan.release.target");
        if (t == null) System.out.println("skipping: the release tests run after package, in the integration-test phase (mvn verify)");
        Assumptions.assumeTrue(t != null, "runs in the integration-test phase");
        return Path.of(t);
    }

    static String version() {
        return System.getProperty("banyan.release.version");
    }

    /** target/release-it/banyan-VERSION-linux-x86_64.tar.gz, made on the first call. */
    static synchronized Path tarball() throws IOException, InterruptedException {
        if (tarball != null) return tarball;
        Path target = target();
        Path out = target.resolve("release-it");
        Files.createDirectories(out);
        Path log = out.resolve("make-release.log");
        long start = System.nanoTime();
        List<String> cmd = List.of("sh", target.getParent().resolve("src/dist/make-release").toString(),
                System.getProperty("java.home"), version(), target.toString(), out.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("make-release timed out after 5 minutes:\n" + Files.readString(log));
        }
        String made = Files.readString(log);
        assertEquals(0, p.exitValue(), made);
        System.out.printf("make-release took %.1f s: %s%n", (System.nanoTime() - start) / 1e9, made.strip());
        Path t = out.resolve("banyan-" + version() + "-linux-x86_64.tar.gz");
        assertTrue(Files.isRegularFile(t), "no " + t + ": " + made);
        return tarball = t;
    }
}

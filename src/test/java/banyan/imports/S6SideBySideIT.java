package banyan.imports;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static banyan.imports.SideBySide.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An s6 scan directory run by Debian's s6-svscan, and its import run by `banyan up`, side by
 * side: readiness on fd 3, env/ through s6-envdir, a log/ service running s6-log, a down file.
 * Both start the same services and both restart one that is killed.
 */
@Timeout(180)
class S6SideBySideIT {
    static final List<String> SERVICES = List.of("web", "worker");

    @TempDir
    Path dir;

    /** A scan directory under DIR/NAME: web (fd 3 readiness, env/PORT), worker (logged by s6-log), idle (down). */
    Path side(String name, int port) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        Files.createDirectories(d.resolve("state"));
        write(d.resolve("svc.py"), SVC, false);
        Path scan = d.resolve("scan");
        write(scan.resolve("web/run"), "#!/bin/sh\nexec 2>&1\nexec s6-envdir ./env sh -c 'exec python3 ../../svc.py web ../../state \"$PORT\"'\n", true);
        write(scan.resolve("web/notification-fd"), "3\n", false);
        write(scan.resolve("web/timeout-kill"), "5000\n", false);
        write(scan.resolve("web/env/PORT"), port + "\n", false);
        write(scan.resolve("web/env/READY_FD"), "3\n", false);
        write(scan.resolve("worker/run"), "#!/bin/sh\nexec python3 ../../svc.py worker ../../state\n", true);
        write(scan.resolve("worker/down-signal"), "SIGTERM\n", false);
        write(scan.resolve("worker/log/run"), "#!/bin/sh\nexec s6-log -d3 ./main\n", true);
        write(scan.resolve("worker/log/notification-fd"), "3\n", false);
        write(scan.resolve("idle/run"), "#!/bin/sh\nexec python3 ../../svc.py idle ../../state\n", true);
        write(scan.resolve("idle/down"), "", false);
        return scan;
    }

    static boolean logged(Path scan, String text) {
        try {
            return Files.readString(scan.resolve("worker/log/main/current")).contains(text);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void s6SvscanAndTheImportUnderBanyanStartTheSameServicesAndRestartAKilledOne() throws Exception {
        Path svscan = which("s6-svscan");
        boolean ci = "true".equals(System.getenv("CI"));
        if (svscan == null && !ci) System.out.println("S6SideBySideIT skipped: s6 is not installed (apt-get install s6; ./test does)");
        assumeTrue(svscan != null || ci, "s6 is not installed");
        assertNotNull(svscan, "s6 must be installed under CI (./test installs it)");
        int portA = freePort(), portB = freePort();
        Path a = side("s6", portA), b = side("banyan", portB);
        Path stateA = a.getParent().resolve("state"), stateB = b.getParent().resolve("state");
        String toml = importWith(b.getParent(), Map.of(), "s6", b);
        assertTrue(toml.contains("ready = { fd = 3 }"), toml);
        assertTrue(toml.contains("PORT = \"" + portB + "\""), "env/ read for s6-envdir:\n" + toml);
        Path file = b.getParent().resolve("banyan.toml");
        Files.writeString(file, "log_dir = \"" + b.getParent().resolve("logs") + "\"\n" + toml);
        Process s6 = null, up = null;
        try {
            s6 = new ProcessBuilder(svscan.toString(), a.toString()).redirectErrorStream(true)
                    .redirectOutput(a.getParent().resolve("console.log").toFile()).start();
            up = up(b.getParent(), file);
            await("s6's services", Duration.ofSeconds(60),
                    () -> SERVICES.stream().allMatch(n -> live(stateA, n).isPresent()) && listening(portA) && logged(a, "worker started"));
            await("banyan's services", Duration.ofSeconds(60),
                    () -> SERVICES.stream().allMatch(n -> live(stateB, n).isPresent()) && listening(portB) && logged(b, "worker started"));
            assertTrue(live(stateA, "idle").isEmpty() && live(stateB, "idle").isEmpty(), "a service with a down file is not started");

            for (String service : SERVICES) {
                killAndSeeItBack("s6", stateA, service, service.equals("web") ? portA : 0);
                killAndSeeItBack("banyan", stateB, service, service.equals("web") ? portB : 0);
            }
            long worker = live(stateB, "worker").orElseThrow();
            await("the restarted worker's line in s6-log's file under banyan", Duration.ofSeconds(30), () -> logged(b, "worker started " + worker));
        } finally {
            stop(up, Duration.ofSeconds(30));
            stop(s6, Duration.ofSeconds(30));
            assertEquals(List.of(), leftovers(stateA, SERVICES), "s6 left services running");
            assertEquals(List.of(), leftovers(stateB, SERVICES), "banyan left services running");
        }
        assertEquals(0, up.exitValue(), Files.readString(b.getParent().resolve("console.log")));
    }
}

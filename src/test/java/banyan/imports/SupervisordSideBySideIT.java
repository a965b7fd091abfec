package banyan.imports;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static banyan.imports.SideBySide.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A supervisord.conf run by Debian's supervisord, and its import run by `banyan up`, at the same
 * time on different ports and directories: both start the same programs, and both restart one
 * that is killed.
 */
@Timeout(180)
class SupervisordSideBySideIT {
    static final String CONF = """
            [supervisord]
            nodaemon=true
            logfile=%(here)s/supervisord.log
            pidfile=%(here)s/supervisord.pid
            childlogdir=%(here)s/logs

            [unix_http_server]
            file=%(here)s/supervisor.sock

            [program:web]
            command=python3 %(here)s/svc.py %(program_name)s %(here)s/state %(ENV_PORT)s
            startsecs=1
            stopwaitsecs=5

            [program:worker]
            command=python3 %(here)s/svc.py %(program_name)s_%(process_num)02d %(here)s/state ; no port
            process_name=%(program_name)s_%(process_num)02d
            numprocs=2
            autorestart=true
            environment=ROLE="worker %(process_num)d"
            """;
    static final List<String> PROGRAMS = List.of("web", "worker_00", "worker_01");

    @TempDir
    Path dir;

    Path side(String name) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        Files.createDirectories(d.resolve("state"));
        Files.createDirectories(d.resolve("logs"));
        write(d.resolve("svc.py"), SVC, false);
        write(d.resolve("supervisord.conf"), CONF, false);
        return d;
    }

    static Set<String> started(Path state) throws Exception {
        try (Stream<Path> s = Files.list(state)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pid")).map(n -> n.substring(0, n.length() - 4)).collect(Collectors.toSet());
        }
    }

    @Test
    void supervisordAndTheImportUnderBanyanStartTheSameProgramsAndRestartAKilledOne() throws Exception {
        Path supervisord = which("supervisord");
        if (supervisord == null && !"true".equals(System.getenv("CI")))
            System.out.println("SupervisordSideBySideIT skipped: supervisord is not installed (apt-get install supervisor; ./test does)");
        assumeTrue(supervisord != null || "true".equals(System.getenv("CI")), "supervisord is not installed");
        assertNotNull(supervisord, "supervisord must be installed under CI (./test installs Debian's supervisor)");
        Path a = side("supervisord"), b = side("banyan");
        int portA = freePort(), portB = freePort();
        Process sup = null, up = null;
        try {
            ProcessBuilder pb = new ProcessBuilder(supervisord.toString(), "-c", a.resolve("supervisord.conf").toString())
                    .directory(a.toFile()).redirectErrorStream(true).redirectOutput(a.resolve("console.log").toFile());
            pb.environment().put("PORT", String.valueOf(portA));
            sup = pb.start();

            String toml = importWith(b, Map.of("PORT", String.valueOf(portB)), "supervisord", b.resolve("supervisord.conf"));
            assertTrue(toml.contains("log_dir = \"" + b.resolve("logs") + "\""), toml);
            assertTrue(toml.contains("\"" + portB + "\""), "%(ENV_PORT)s expanded from the importing environment:\n" + toml);
            Files.writeString(b.resolve("banyan.toml"), toml);
            up = up(b, b.resolve("banyan.toml"));

            Path stateA = a.resolve("state"), stateB = b.resolve("state");
            await("supervisord's programs", Duration.ofSeconds(60),
                    () -> PROGRAMS.stream().allMatch(n -> live(stateA, n).isPresent()) && listening(portA));
            await("banyan's services", Duration.ofSeconds(60),
                    () -> PROGRAMS.stream().allMatch(n -> live(stateB, n).isPresent()) && listening(portB));
            assertEquals(Set.copyOf(PROGRAMS), started(stateA), "supervisord started");
            assertEquals(started(stateA), started(stateB), "the import starts the programs supervisord starts");

            for (String program : List.of("worker_01", "web")) {
                int pa = program.equals("web") ? portA : 0, pbPort = program.equals("web") ? portB : 0;
                killAndSeeItBack("supervisord", stateA, program, pa);
                killAndSeeItBack("banyan", stateB, program, pbPort);
            }
        } finally {
            stop(up, Duration.ofSeconds(30));
            stop(sup, Duration.ofSeconds(30));
            assertEquals(List.of(), leftovers(a.resolve("state"), PROGRAMS), "supervisord left programs running");
            assertEquals(List.of(), leftovers(b.resolve("state"), PROGRAMS), "banyan left services running");
        }
        assertEquals(0, up.exitValue(), Files.readString(b.resolve("console.log")));
    }
}

package banyan.imports;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Bad input of every kind: one clear error naming the file, and the line where the parser knows it. */
class ImportErrorsTest {
    @TempDir
    Path dir;

    String error(String kind, Path path) {
        ImportException e = assertThrows(ImportException.class, () -> Import.run(kind, path, Map.of("HOME", "/root"), "h"));
        return e.getMessage();
    }

    String error(String kind, String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return error(kind, f);
    }

    @Test
    void supervisord() throws Exception {
        assertEquals(dir.resolve("none.conf") + ": no such file", error("supervisord", dir.resolve("none.conf")));
        assertEquals(dir + "/a.conf:2: not INI: 'junk' (a line must be a [section], a key = value, or a ; comment)",
                error("supervisord", "a.conf", "[program:x]\njunk\n"));
        assertTrue(error("supervisord", "b.conf", "[program:x]\ncommand=a\n\n[programs:y]\ncommand=b\n")
                .startsWith(dir + "/b.conf:4: unknown section [programs:y]; supervisord reads [supervisord], [program:NAME]"));
        assertEquals(dir + "/c.conf:2: [program:x] command: %(ENV_NOPE) cannot be expanded: no variable NOPE in the environment",
                error("supervisord", "c.conf", "[program:x]\ncommand=a %(ENV_NOPE)s\n"));
        assertEquals(dir + "/d.conf:2: [program:x] command: '%' must start an expression such as %(here)s; write %% for a literal %",
                error("supervisord", "d.conf", "[program:x]\ncommand=date +%s\n"));
        assertEquals(dir + "/e.conf:1: [program:x] has no command = ... (the program to run)", error("supervisord", "e.conf", "[program:x]\nuser=root\n"));
        assertEquals(dir + "/f.conf:3: startsecs: 'soon' is not a whole number", error("supervisord", "f.conf", "[program:x]\ncommand=a\nstartsecs=soon\n"));
        assertEquals(dir + "/g.conf:2: [program:x] command: no closing quotation (\")", error("supervisord", "g.conf", "[program:x]\ncommand=a \"b\n"));
        assertEquals(dir + "/h.conf:3: [program:x] environment: 'A=1,B' is not KEY=\"value\",KEY2=\"value2\" (a value with other than letters, digits and _/.+-(): needs quotes)",
                error("supervisord", "h.conf", "[program:x]\ncommand=a\nenvironment=A=1,B\n"));
    }

    @Test
    void processCompose() throws Exception {
        assertEquals(dir.resolve("none.yaml") + ": no such file", error("process-compose", dir.resolve("none.yaml")));
        assertTrue(error("process-compose", "a.yaml", "processes:\n  x:\n    command: [a\n").startsWith(dir + "/a.yaml:4: not YAML: "));
        assertTrue(error("process-compose", "b.yaml", "version: 1\nproceses:\n  x: {command: a}\n")
                .startsWith(dir + "/b.yaml:2: proceses: unknown top-level key; process-compose reads processes"));
        assertEquals(dir + "/c.yaml:0: no processes: the file must have processes: NAME: {command: ...}".replace(":0:", ":"),
                error("process-compose", "c.yaml", "version: 1\n"));
        assertEquals(dir + "/d.yaml:3: processes.x.availability: restart: 'sometimes' is not always, on_failure, exit_on_failure or no",
                error("process-compose", "d.yaml", "processes:\n  x:\n    availability: {restart: sometimes}\n    command: a\n"));
        assertEquals(dir + "/e.yaml:4: processes.x.command: defined twice",
                error("process-compose", "e.yaml", "processes:\n  x:\n    command: a\n    command: b\n"));
        assertEquals(dir + "/f.yaml:1: ${ x}: no variable name (process-compose substitutes ${NAME} everywhere in the file, comments too; write $${ for a literal ${)",
                error("process-compose", "f.yaml", "# ${ x}\nprocesses: {x: {command: a}}\n"));
        assertEquals(dir + "/g.yaml:3: processes.x.environment: must be a list of \"NAME=value\" strings",
                error("process-compose", "g.yaml", "processes:\n  x:\n    environment: {A: 1}\n    command: a\n"));
    }

    @Test
    void s6() throws Exception {
        assertEquals(dir.resolve("none") + ": no such directory", error("s6", dir.resolve("none")));
        Files.writeString(dir.resolve("file"), "x");
        assertTrue(error("s6", dir.resolve("file")).startsWith(dir.resolve("file") + ": not a directory"));
        Path scan = Files.createDirectories(dir.resolve("scan/svc"));
        assertEquals(scan + ": no run file: a service directory must hold an executable run", error("s6", dir.resolve("scan")));
        Files.writeString(scan.resolve("run"), "#!/bin/sh\nexec sleep 1\n");
        assertEquals(scan.resolve("run") + ": not executable: s6-supervise could not start it (chmod +x)", error("s6", dir.resolve("scan")));
        Files.setPosixFilePermissions(scan.resolve("run"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(scan.resolve("notification-fd"), "three\n");
        assertEquals(scan.resolve("notification-fd") + ":1: 'three' is not a number", error("s6", dir.resolve("scan")));
        assertTrue(error("s6", scan).startsWith(scan + ": a service directory itself: import the scan (or source) directory that holds it"));
        Path rc = Files.createDirectories(dir.resolve("rc/svc"));
        Files.writeString(rc.resolve("type"), "daemon\n");
        assertEquals(rc.resolve("type") + ":1: 'daemon' is not oneshot, longrun or bundle", error("s6", dir.resolve("rc")));
        Files.writeString(rc.resolve("type"), "oneshot\n");
        assertEquals(rc + ": a oneshot needs an up file (the command line to run)", error("s6", dir.resolve("rc")));
        Files.createDirectories(dir.resolve("empty"));
        assertTrue(error("s6", dir.resolve("empty")).startsWith(dir.resolve("empty") + ": holds no service directory"));
    }
}

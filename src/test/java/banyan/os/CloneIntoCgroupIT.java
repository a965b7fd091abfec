package banyan.os;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Spawns born in a cgroup (clone3 with CLONE_INTO_CGROUP) keep the contract of posix_spawn's. */
class CloneIntoCgroupIT {
    static Path parent;
    static final int DEV_NULL = Fd.openReadWrite("/dev/null");

    @BeforeAll
    static void cgroups() {
        Proc.becomeSubreaper();
        Optional<Path> p = Cgroup.parentForInstance("banyan-clone-test-" + Proc.pid());
        if (System.getenv("CI") != null) assertTrue(p.isPresent(), "CI must provide a writable cgroup v2");
        assumeTrue(p.isPresent(), "cgroup v2 is not writable here (skipped: not root or no cgroup2 mount)");
        parent = p.get();
        assumeTrue(System.getProperty("os.arch").equals("amd64"), "banyan_spawn clones into cgroups on x86-64 only");
        assumeTrue(Spawn.cloneIntoCgroup(), "libbanyan-spawn.so not loaded or clone3 into cgroups not available here");
    }

    @AfterAll
    static void removeCgroups() throws Exception {
        if (parent == null) return;
        try (var dirs = Files.list(parent)) {
            dirs.forEach(d -> d.toFile().delete());
        }
        parent.toFile().delete();
    }

    /** What a spawned shell sees of itself, written to fd 3; returns that and the exit. */
    record Run(String out, Reaper.Exit exit) {}

    static Run run(Optional<Path> cgroup, String script, Map<Integer, Integer> moreFds) throws Exception {
        Fd.Pipe pipe = Fd.pipe();
        Map<Integer, Integer> fds = new HashMap<>(Map.of(0, DEV_NULL, 1, DEV_NULL, 2, DEV_NULL, 3, pipe.writeEnd()));
        fds.putAll(moreFds);
        CompletableFuture<Reaper.Exit> exit = new CompletableFuture<>();
        try {
            Reaper.get().spawn(new Spawn.Spec("/bin/bash", List.of("bash", "-c", script), List.of("FOO=bar baz", "PATH=/usr/bin:/bin"),
                    Optional.of("/tmp"), fds, cgroup), exit::complete);
        } finally {
            Fd.close(pipe.writeEnd());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        for (int n; (n = Fd.read(pipe.readEnd(), buf)) > 0; ) out.write(buf, 0, n);
        Fd.close(pipe.readEnd());
        return new Run(out.toString(StandardCharsets.UTF_8), exit.get(20, TimeUnit.SECONDS));
    }

    static Path cgroup(String name) {
        return Cgroup.create(parent, name).dir();
    }

    @Test
    void theProcessIsBornInItsCgroup() throws Exception {
        Path cg = cgroup("born");
        // The shell's first look at itself: nothing ran before it that could have moved it.
        Run r = run(Optional.of(cg), "grep '^0::' /proc/$$/cgroup >&3", Map.of());
        assertEquals(0, r.exit().code(), r.toString());
        assertEquals("0::/" + relativeToMount(cg), r.out().trim());
    }

    /** bash's builtins only, so that no pipe or directory fd of the probe itself shows up. */
    static final String OPEN_FDS = "open=; for fd in {0..1023}; do [ -e /proc/$$/fd/$fd ] && open=\"$open$fd \"; done; echo \"fds: $open\" >&3\n";

    @Test
    void sessionSignalsFdsDirectoryAndEnvironmentMatchPosixSpawn() throws Exception {
        String probe = """
                [ "$(cut -d' ' -f6 /proc/$$/stat)" = "$$" ] && echo session leader >&3
                grep -E '^Sig(Blk|Ign)' /proc/$$/status >&3
                echo "cwd=$(pwd) FOO=$FOO" >&3
                """ + OPEN_FDS;
        Run born = run(Optional.of(cgroup("contract")), probe, Map.of());
        Run spawned = run(Optional.empty(), probe, Map.of());
        // glibc's posix_spawn leaves its own two signals (32 and 33) ignored; the clone path resets them too.
        assertEquals(spawned.out().replaceAll("SigIgn:.*", ""), born.out().replaceAll("SigIgn:.*", ""));
        assertEquals(ignored(spawned.out()) & ~0x180000000L, ignored(born.out()), born.out());
        assertTrue(born.out().contains("session leader"), born.out());
        assertTrue(born.out().contains("cwd=/tmp FOO=bar baz"), born.out());
        assertTrue(born.out().contains("fds: 0 1 2 3 \n"), "only the mapped fds are open: " + born.out());
    }

    static long ignored(String status) {
        return Long.parseLong(status.lines().filter(l -> l.startsWith("SigIgn:")).findFirst().orElseThrow().substring(7).trim(), 16);
    }

    @Test
    void fdsThatAreEachOthersTargetsAreSwappedNotClobbered() throws Exception {
        Fd.Pipe a = Fd.pipe(), b = Fd.pipe();
        try {
            // child fd a <- parent fd b and child fd b <- parent fd a: a dup2 in map order would lose one of them
            Run r = run(Optional.of(cgroup("swap")), "echo to-" + a.writeEnd() + " >&" + a.writeEnd() + "; echo to-" + b.writeEnd() + " >&"
                    + b.writeEnd() + "\n" + OPEN_FDS, Map.of(a.writeEnd(), b.writeEnd(), b.writeEnd(), a.writeEnd()));
            Fd.close(a.writeEnd());
            Fd.close(b.writeEnd());
            assertEquals(0, r.exit().code(), r.toString());
            assertEquals("to-" + a.writeEnd() + "\n", readAll(b.readEnd()));
            assertEquals("to-" + b.writeEnd() + "\n", readAll(a.readEnd()));
            assertEquals("fds: 0 1 2 3 " + Math.min(a.writeEnd(), b.writeEnd()) + " " + Math.max(a.writeEnd(), b.writeEnd()) + " \n", r.out(),
                    "every fd that is not mapped is closed, below the highest mapped one too");
        } finally {
            Fd.close(a.readEnd());
            Fd.close(b.readEnd());
        }
    }

    /** After cgroup.kill the kernel kills every child cloned into that cgroup at birth, until the directory is renewed. */
    @Test
    void aCgroupEmptiedThroughCgroupKillTakesNewProcesses() throws Exception {
        Cgroup cg = Cgroup.create(parent, "killed");
        for (int round = 0; round < 3; round++) {
            CompletableFuture<Reaper.Exit> sleeper = new CompletableFuture<>();
            Reaper.get().spawn(new Spawn.Spec("/bin/sleep", List.of("sleep", "1000"), List.of(), Optional.empty(),
                    Map.of(0, DEV_NULL, 1, DEV_NULL, 2, DEV_NULL), Optional.of(cg.dir())), sleeper::complete);
            assertTrue(cg.killAndAwaitEmpty(TimeUnit.SECONDS.toNanos(20)), "round " + round);
            assertEquals(9, sleeper.get(20, TimeUnit.SECONDS).signal(), "round " + round + ": killed through cgroup.kill");
            Run r = run(Optional.of(cg.dir()), "grep '^0::' /proc/$$/cgroup >&3", Map.of());
            assertEquals(0, r.exit().code(), "round " + round + ": " + r);
            assertEquals("0::/" + relativeToMount(cg.dir()), r.out().trim());
        }
        assertTrue(Spawn.cloneIntoCgroup());
    }

    @Test
    void failuresNameTheCallAndWhatItActedOn() throws Exception {
        Path cg = cgroup("failures");
        Path notExecutable = Files.createTempFile("not-executable", ".sh");
        try {
            assertEquals("execve(/nonexistent/program): No such file or directory (errno 2)", spawnError("/nonexistent/program", "/", cg));
            assertEquals("execve(" + notExecutable + "): Permission denied (errno 13)", spawnError(notExecutable.toString(), "/", cg));
            assertEquals("chdir(/nonexistent-dir): No such file or directory (errno 2)", spawnError("/bin/true", "/nonexistent-dir", cg));
            assertEquals("open(/nonexistent-cgroup): No such file or directory (errno 2)", spawnError("/bin/true", "/", Path.of("/nonexistent-cgroup")));
            assertEquals("clone3(/tmp): Bad file descriptor (errno 9)", spawnError("/bin/true", "/", Path.of("/tmp")), "not a cgroup");
            assertEquals(List.of(), Files.readAllLines(cg.resolve("cgroup.procs")), "the children that could not exec have exited");
            assertTrue(Spawn.cloneIntoCgroup(), "none of these turned clone3 off");
        } finally {
            Files.delete(notExecutable);
        }
    }

    static String spawnError(String program, String cwd, Path cgroup) {
        OsException e = assertThrows(OsException.class, () -> Reaper.get().spawn(new Spawn.Spec(program, List.of(program), List.of(), Optional.of(cwd),
                Map.of(0, DEV_NULL, 1, DEV_NULL, 2, DEV_NULL), Optional.of(cgroup)), exit -> fail("a failed spawn has no exit to report: " + exit)));
        return e.getMessage();
    }

    static String readAll(int fd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        for (int n; (n = Fd.read(fd, buf)) > 0; ) out.write(buf, 0, n);
        return out.toString(StandardCharsets.UTF_8);
    }

    static String relativeToMount(Path cg) throws Exception {
        return Cgroup.cgroup2Mount().orElseThrow().relativize(cg).toString();
    }
}

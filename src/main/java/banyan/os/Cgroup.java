package banyan.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A cgroup v2 directory for one service, so that stopping it stops every process it spawned,
 * double-forked daemons included (cgroup.kill, Linux 5.14+).
 */
public final class Cgroup {
    private final Path dir;

    private Cgroup(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /**
     * A writable parent for banyan's cgroups under its own cgroup (so banyan never escapes the
     * limits it was given), or empty when cgroup v2 is absent or read-only here.
     */
    public static Optional<Path> parentForInstance(String name) {
        try {
            Optional<Path> mount = cgroup2Mount();
            if (mount.isEmpty()) return Optional.empty();
            String own = Files.readAllLines(Path.of("/proc/self/cgroup")).stream()
                    .filter(l -> l.startsWith("0::")).map(l -> l.substring(3)).findFirst().orElse("/");
            Path parent = mount.get().resolve(own.substring(1)).resolve(name);
            Files.createDirectories(parent);
            return Optional.of(parent);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static Optional<Path> cgroup2Mount() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - FSTYPE SOURCE SUPEROPTS
            int dash = line.indexOf(" - ");
            if (dash < 0 || !line.substring(dash + 3).startsWith("cgroup2 ")) continue;
            String[] f = line.split(" ");
            return Optional.of(Path.of(f[4].replace("\\040", " ")));
        }
        return Optional.empty();
    }

    /** Creates (or reuses, emptied) the cgroup parent/name. */
    public static Cgroup create(Path parent, String name) {
        Path dir = parent.resolve(name);
        try {
            Files.createDirectories(dir);
            return new Cgroup(dir);
        } catch (IOException e) {
            throw new OsException("mkdir", dir.toString(), OsException.EACCES);
        }
    }

    /**
     * The file a process writes "0" to in order to join: banyan's exec step does so before exec
     * where a spawn cannot place the process in the cgroup at birth ({@link Spawn#cloneIntoCgroup()}).
     */
    public Path procsFile() {
        return dir.resolve("cgroup.procs");
    }

    public boolean populated() {
        try {
            for (String l : Files.readAllLines(dir.resolve("cgroup.events")))
                if (l.startsWith("populated ")) return !l.endsWith(" 0");
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    public List<Integer> pids() {
        try {
            return Files.readAllLines(procsFile()).stream().filter(s -> !s.isBlank()).map(Integer::parseInt).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** SIGKILLs every process in the cgroup; falls back to killing each pid where cgroup.kill is missing. */
    public void kill() {
        if (!populated()) return;
        try {
            Files.writeString(dir.resolve("cgroup.kill"), "1");
        } catch (IOException e) {
            for (int pid : pids()) Signals.kill(pid, Signals.KILL);
        }
    }

    /** Sends signal to every process in the cgroup (for stop signals that must reach escaped groups). */
    public void signal(int signal) {
        for (int pid : pids()) Signals.kill(pid, signal);
    }

    /** Kills everything left and waits (polling cgroup.events, backing off to 10 ms) until it is empty. */
    public boolean killAndAwaitEmpty(long timeoutNanos) {
        return Poll.until(() -> {
            if (!populated()) return true;
            kill();
            return false;
        }, java.time.Duration.ofNanos(timeoutNanos), java.time.Duration.ofNanos(100_000), java.time.Duration.ofMillis(10));
    }

    /** Removes the (empty) directory; a leftover directory is harmless, so failure is ignored. */
    public void remove() {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // still populated or busy: the next instance of this service reuses it
        }
    }
}

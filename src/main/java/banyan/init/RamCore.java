package banyan.init;

import banyan.os.Exec;
import banyan.os.Mounts;
import banyan.os.OsException;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Running from RAM (docs/core.md): the release (bin/, lib/, runtime/) and the system libraries
 * its JVM maps (glibc and its loader, found in /proc/self/maps) are copied into a tmpfs, which is
 * then made read-only, and banyan execs the copy's launcher, which runs java through the copied
 * loader. After that nothing banyan maps, holds open or stands in is on a disk.
 */
public final class RamCore {
    private RamCore() {}

    /**
     * PID 1's core. Any other banyan gets a core of its own, /run/banyan/core-PID (root) or
     * $XDG_RUNTIME_DIR/banyan/core-PID, which must be on a tmpfs already, and discards it at exit.
     */
    public static final Path ROOT_CORE = Path.of("/run/banyan/core");
    /** The system libraries inside the core; the copied loader is sys/ld.so (the launcher looks for it there). */
    static final String SYS = "sys", LOADER = "ld.so";
    /** For the client cache (lib/banyan.aot, 12 MiB) the server has no use: client commands run from the installed release. */
    private static final Set<String> LEFT_OUT = Set.of("lib/banyan.aot");

    /** Why banyan cannot run from RAM here; the message says what to do. */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** The release this banyan runs from (the folder with bin/banyan, lib/ and runtime/), or why it is not one. */
    public static Path release() throws Refused {
        String h = System.getProperty("banyan.home");
        if (h == null) throw new Refused("banyan.home is not set: start banyan through its launcher, bin/banyan of a release");
        Path home = Path.of(h).toAbsolutePath().normalize();
        if (Files.exists(home.resolve("pom.xml")) || !Files.isExecutable(home.resolve("runtime/bin/java")))
            throw new Refused("running from RAM needs a release (bin/, lib/ and runtime/, made by mvn -B -Pdist package), but this banyan runs"
                    + " from the development tree " + home + "; unpack target/banyan-VERSION-linux-x86_64.tar.gz and run its bin/banyan");
        for (String part : List.of("bin/banyan", "lib/banyan.jar"))
            if (!Files.isRegularFile(home.resolve(part)))
                throw new Refused("the release " + home + " has no " + part + ": unpack banyan-VERSION-linux-x86_64.tar.gz again");
        return home;
    }

    /** Where this banyan's core goes. */
    public static Path place(int uid, int pid, Map<String, String> env) throws Refused {
        if (uid == 0) return pid == 1 ? ROOT_CORE : Path.of("/run/banyan/core-" + pid);
        String xdg = env.getOrDefault("XDG_RUNTIME_DIR", "");
        if (xdg.isEmpty() || !Path.of(xdg).isAbsolute())
            throw new Refused("running from RAM as a user needs XDG_RUNTIME_DIR (a tmpfs of this user, such as /run/user/" + uid + ")");
        Path core = Path.of(xdg, "banyan", "core-" + pid);
        String fs = fsType(Path.of(xdg));
        if (!fs.equals("tmpfs") && !fs.equals("ramfs"))
            throw new Refused("XDG_RUNTIME_DIR " + xdg + " is on " + fs + ", not in RAM; only root can mount a tmpfs for the core");
        return core;
    }

    /** A copy made: where, how many bytes, how long it took. */
    public record Copy(Path dir, long bytes, long millis) {}

    /** Copies the release and the libraries its JVM maps into core; root mounts a tmpfs there first, read-only once written. */
    public static Copy copy(Path release, Path core, boolean mount) throws Refused {
        long start = System.nanoTime();
        List<Path> libs = systemLibraries(release);
        try {
            Files.createDirectories(core);
            if (mount) Mounts.tmpfs(core.toString(), roundUp(size(release) + libs.stream().mapToLong(RamCore::sizeOf).sum()));
            else if (Files.exists(core)) deleteTree(core);
            for (String part : List.of("bin", "lib", "runtime")) copyTree(release.resolve(part), core.resolve(part), release);
            Path sys = Files.createDirectories(core.resolve(SYS));
            for (Path lib : libs) {
                String name = lib.getFileName().toString();
                Files.copy(lib, sys.resolve(name.startsWith("ld-linux") ? LOADER : name), StandardCopyOption.COPY_ATTRIBUTES,
                        StandardCopyOption.REPLACE_EXISTING);
            }
            copyLocales(core.resolve("locale"));
            Files.createDirectories(core.resolve("gconv"));
            if (!Files.exists(sys.resolve(LOADER))) throw new Refused("no dynamic loader (ld-linux) among the libraries this JVM maps: " + libs);
            if (mount) Mounts.mount("", core.toString(), "", Mounts.MS_REMOUNT | Mounts.MS_RDONLY | Mounts.MS_NOSUID | Mounts.MS_NODEV, "");
        } catch (IOException | OsException e) {
            throw new Refused("cannot copy the release " + release + " into " + core + ": " + e.getMessage());
        }
        return new Copy(core, size(core), (System.nanoTime() - start) / 1_000_000);
    }

    /** Execs the core's launcher with args, from /; returns only by throwing. */
    public static Refused exec(Path core, List<String> args, Map<String, String> env) {
        List<String> argv = new ArrayList<>();
        argv.add(core.resolve("bin/banyan").toString());
        argv.addAll(args);
        List<String> envp = new ArrayList<>();
        env.forEach((k, v) -> envp.add(k + "=" + v));
        try {
            Exec.chdir("/"); // the working directory was on the disk too
            RuntimeException e = Exec.replace(argv.getFirst(), argv, envp);
            return new Refused("cannot run the copy in " + core + ": " + e.getMessage());
        } catch (OsException e) {
            return new Refused("cannot run the copy in " + core + ": " + e.getMessage());
        }
    }

    /** In init, before the core is mounted below it: a tmpfs on /run where nothing is mounted yet (stage 1 then finds it). */
    public static void runOnTmpfs(java.util.function.Consumer<String> log) {
        Stage1.mountRun(log);
    }

    /**
     * At exit: a core mounted for this banyan is detached (the kernel frees it once nothing runs from
     * it), a user's is deleted (its files stay readable to whoever has them open). PID 1's stays.
     */
    public static void discard(Path core, boolean mounted) {
        if (core.equals(ROOT_CORE)) return;
        try {
            if (mounted) Mounts.unmount(core.toString(), Mounts.MNT_DETACH);
            else deleteTree(core);
            Files.deleteIfExists(core);
        } catch (IOException | OsException e) {
            System.err.println("banyan: could not discard the copy in RAM at " + core + ": " + e.getMessage());
        }
    }

    /** Whether home is a core already (this banyan is the copy). */
    public static boolean isCore(Path home) {
        return Files.isRegularFile(home.resolve(SYS).resolve(LOADER), LinkOption.NOFOLLOW_LINKS);
    }

    /** The shared objects this JVM maps from outside the release: glibc, its loader and what they pulled in. */
    static List<Path> systemLibraries(Path release) throws Refused {
        Set<Path> libs = new LinkedHashSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                String[] f = line.trim().split("\\s+", 6);
                if (f.length < 6 || !f[5].startsWith("/") || f[5].endsWith(" (deleted)")) continue;
                Path p = Path.of(f[5]);
                String name = p.getFileName().toString();
                if (!p.startsWith(release) && (name.contains(".so.") || name.endsWith(".so"))) libs.add(p);
            }
        } catch (IOException e) {
            throw new Refused("cannot read /proc/self/maps (is /proc mounted?): " + e.getMessage());
        }
        return List.copyOf(libs);
    }

    /**
     * The locales named by LC_ALL, LC_CTYPE, LC_MESSAGES and LANG that glibc keeps as folders (C.utf8
     * on Debian), for LOCPATH: glibc maps them for as long as the process runs. One that exists only
     * in locale-archive is not copied, and the JVM then falls back to the C locale.
     */
    private static void copyLocales(Path into) throws IOException {
        Files.createDirectories(into);
        Path system = Path.of("/usr/lib/locale");
        for (String var : List.of("LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LANG")) {
            String name = System.getenv().getOrDefault(var, "");
            if (name.isEmpty() || name.contains("/") || name.equals("C") || name.equals("POSIX")) continue;
            for (String candidate : List.of(name, name.replace("UTF-8", "utf8"))) {
                Path dir = system.resolve(candidate);
                if (Files.isDirectory(dir) && !Files.exists(into.resolve(candidate))) copyTree(dir, into.resolve(candidate), dir);
            }
        }
    }

    /** The filesystem type of the mount that holds dir (the longest mount point it is under). */
    static String fsType(Path dir) {
        String best = "", type = "unknown";
        for (Mounts.Mount m : Mounts.table())
            if (dir.startsWith(m.point()) && m.point().length() >= best.length()) {
                best = m.point();
                type = m.fsType();
            }
        return type;
    }

    private static void copyTree(Path from, Path to, Path release) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.copy(dir, to.resolve(from.relativize(dir).toString()), StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (LEFT_OUT.contains(release.relativize(file).toString())) return FileVisitResult.CONTINUE;
                // the AOT caches check the modules image's time: keep times and modes
                Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteTree(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (!d.equals(dir)) Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    static long size(Path dir) {
        try (var s = Files.walk(dir)) {
            return s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).mapToLong(RamCore::sizeOf).sum();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Room for the files, the tmpfs's own blocks per file and directory, and a margin: 1/8 more and 4 MiB, in whole MiB. */
    private static long roundUp(long bytes) {
        long mib = 1 << 20;
        return ((bytes + bytes / 8 + 4 * mib) / mib + 1) * mib;
    }

    /** A one-line account for the console. */
    public static String describe(Copy c) {
        return "running from RAM: the release and " + Optional.ofNullable(c.dir().resolve(SYS).toFile().list()).map(l -> l.length).orElse(0)
                + " system libraries copied into " + c.dir() + " (" + c.bytes() / (1 << 20) + " MiB) in " + c.millis() + " ms";
    }
}

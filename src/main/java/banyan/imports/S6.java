package banyan.imports;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** `banyan import s6 DIR`: an s6 scan directory of service directories, or an s6-rc source directory, as a banyan.toml. */
final class S6 {
    private S6() {}

    static Document read(Path dir) throws ImportException {
        if (!Files.exists(dir)) throw new ImportException(dir, 0, "no such directory");
        if (!Files.isDirectory(dir))
            throw new ImportException(dir, 0, "not a directory: import an s6 scan directory (of service directories) or an s6-rc source directory");
        if (Files.exists(dir.resolve("run")) || Files.exists(dir.resolve("type")))
            throw new ImportException(dir, 0, "a service directory itself: import the scan (or source) directory that holds it, " + dir.getParent());
        List<String> entries = ServiceDir.entries(dir);
        boolean rc = entries.stream().anyMatch(e -> !e.startsWith(".") && Files.isRegularFile(dir.resolve(e).resolve("type")));
        Document doc = rc ? S6Rc.read(dir, entries) : scan(dir, entries);
        if (doc.services.isEmpty()) throw new ImportException(dir, 0, "holds no service directory (a directory with a run file"
                + (rc ? ", or an s6-rc definition with a type file" : "") + ")");
        return doc;
    }

    /** A scan directory, as s6-svscan sees it: every directory not starting with a dot is a service. */
    private static Document scan(Path dir, List<String> entries) throws ImportException {
        Document doc = new Document("s6", dir);
        doc.header.add("an s6 scan directory: one service per service directory");
        for (String e : entries) {
            Path p = dir.resolve(e);
            if (e.equals(".s6-svscan")) {
                doc.header.add(".s6-svscan/ (" + String.join(", ", Files.isDirectory(p) ? ServiceDir.entries(p) : List.of()) + "): banyan up handles "
                        + "its own signals: SIGTERM and SIGINT stop every service in reverse order, SIGHUP reloads the file");
                continue;
            }
            if (e.startsWith(".")) continue;
            if (!Files.isDirectory(p)) {
                doc.header.add(e + ": not a directory; s6-svscan ignores it");
                continue;
            }
            Draft d = doc.service(e);
            d.comment("service directory " + p);
            List<String> unknown = ServiceDir.longrun(p, e, d, List.of("down", "log"));
            if (Files.exists(p.resolve("down"))) {
                d.autostart = false;
                d.comment("down: not started by itself; left out of [target.default], `banyan start NAME` starts it");
            }
            if (Files.isDirectory(p.resolve("log"))) logger(p.resolve("log"), e, d);
            for (String u : unknown) d.comment(u + ": not a file s6-supervise reads; left out");
        }
        return doc;
    }

    /** log/: a logger service that reads the service's stdout, as banyan's logger. */
    private static void logger(Path log, String name, Draft d) throws ImportException {
        if (!Files.isExecutable(log.resolve("run"))) throw new ImportException(log, 0, "no executable run file in the logger's directory");
        d.set("logger", ServiceDir.loggerCommand(log, name + "/log"), "log/: the logger, run in its directory as s6-supervise runs it");
        for (String f : ServiceDir.entries(log)) {
            if (f.equals("run") || ServiceDir.RUNTIME.contains(f) || f.equals("data")) continue;
            if (f.equals("notification-fd")) d.comment("log/notification-fd: banyan does not wait for its logger; the fd is open on /dev/null for it");
            else d.comment("log/" + f + ": banyan runs the logger with the service's env and stops it after the service; left out");
        }
    }
}

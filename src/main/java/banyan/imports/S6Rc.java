package banyan.imports;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An s6-rc source directory: longruns and oneshots become services, dependencies requires,
 * bundles targets, and a producer-for / consumer-for pair a service with its logger.
 */
final class S6Rc {
    private static final List<String> RC_FILES = List.of("type", "dependencies", "dependencies.d", "timeout-up", "timeout-down",
            "producer-for", "consumer-for", "pipeline-name", "flag-essential", "flag-recommended", "down", "log", "up", "reload");

    private final Path dir;
    private final Map<String, String> types = new LinkedHashMap<>();
    private final Map<String, List<String>> bundles = new LinkedHashMap<>();
    /** A consumer run as its producer's logger: consumer to producer. */
    private final Map<String, String> folded = new LinkedHashMap<>();

    private S6Rc(Path dir) {
        this.dir = dir;
    }

    static Document read(Path dir, List<String> entries) throws ImportException {
        return new S6Rc(dir).translate(entries);
    }

    private Document translate(List<String> entries) throws ImportException {
        Document doc = new Document("s6", dir);
        doc.header.add("an s6-rc source directory: longruns and oneshots are services, bundles are targets");
        for (String e : entries) {
            Path p = dir.resolve(e);
            if (e.startsWith(".")) continue;
            if (!Files.isDirectory(p)) {
                doc.header.add(e + ": not a directory; s6-rc-compile ignores it");
                continue;
            }
            if (!Files.isRegularFile(p.resolve("type"))) throw new ImportException(p, 0, "no type file (oneshot, longrun or bundle)");
            String type = ServiceDir.first(p.resolve("type"));
            if (!List.of("oneshot", "longrun", "bundle").contains(type))
                throw new ImportException(p.resolve("type"), 1, "'" + type + "' is not oneshot, longrun or bundle");
            types.put(e, type);
            if (type.equals("bundle")) bundles.put(e, names(p, "contents"));
        }
        for (var t : types.entrySet()) { // a consumer at the end of a pipeline of one producer runs as its logger
            Path p = dir.resolve(t.getKey());
            if (!t.getValue().equals("longrun") || !Files.exists(p.resolve("consumer-for")) || Files.exists(p.resolve("producer-for"))) continue;
            for (String prod : lines(p.resolve("consumer-for"))) {
                Path pp = dir.resolve(prod).resolve("producer-for");
                if (Files.isRegularFile(pp) && ServiceDir.first(pp).equals(t.getKey())) {
                    folded.put(t.getKey(), prod);
                    break;
                }
            }
        }
        for (var t : types.entrySet()) {
            String name = t.getKey();
            if (t.getValue().equals("bundle") || folded.containsKey(name)) continue;
            Path p = dir.resolve(name);
            Draft d = doc.service(name);
            d.comment(t.getValue() + " " + p);
            List<String> unknown = t.getValue().equals("longrun") ? longrun(p, name, d) : oneshot(p, d);
            common(p, d, t.getValue());
            for (String u : unknown) d.comment(u + ": not a file s6-rc-compile reads; left out");
        }
        for (var b : bundles.entrySet()) {
            doc.targets.put(b.getKey(), new ArrayList<>(expand(b.getKey(), new LinkedHashSet<>())));
            doc.targetNotes.put(b.getKey(), "bundle " + b.getKey() + (b.getKey().equals("default") ? ": what `banyan up` starts" : ""));
        }
        if (!bundles.isEmpty() && !bundles.containsKey("default")) {
            doc.targets.put("default", doc.services.stream().map(x -> x.source).toList());
            doc.targetNotes.put("default", "no bundle named default: `banyan up` starts every service; [boot] target = \"BUNDLE\" starts one bundle instead");
        }
        return doc;
    }

    private List<String> longrun(Path p, String name, Draft d) throws ImportException {
        List<String> unknown = ServiceDir.longrun(p, name, d, RC_FILES);
        if (Files.exists(p.resolve("down"))) d.comment("down: s6-rc ignores a down file in a definition directory; so does this import");
        if (Files.exists(p.resolve("log"))) d.comment("log/: s6-rc ignores it; a logger is a consumer-for service");
        if (Files.isRegularFile(p.resolve("producer-for"))) {
            String consumer = ServiceDir.first(p.resolve("producer-for"));
            if (name.equals(folded.get(consumer))) {
                d.set("logger", ServiceDir.loggerCommand(dir.resolve(consumer), consumer), "producer-for " + consumer + ": " + consumer + " runs as its logger");
                for (String dep : names(dir.resolve(consumer), "dependencies")) for (String x : expand(dep, new LinkedHashSet<>())) d.depend("requires", x);
                if (Files.exists(dir.resolve(consumer).resolve("notification-fd")))
                    d.comment(consumer + "/notification-fd: banyan does not wait for its logger; the fd is open on /dev/null for it");
            } else d.none("producer-for", consumer, "banyan passes a service's output only to its own logger, and " + consumer
                    + " is not that (it reads several producers, or feeds another); the output goes to banyan's log instead");
        }
        if (Files.isRegularFile(p.resolve("consumer-for")))
            d.none("consumer-for", String.join(", ", lines(p.resolve("consumer-for"))), "banyan connects no other service's output to its stdin");
        return unknown;
    }

    private List<String> oneshot(Path p, Draft d) throws ImportException {
        Path up = p.resolve("up");
        if (!Files.isRegularFile(up)) throw new ImportException(p, 0, "a oneshot needs an up file (the command line to run)");
        d.set("type", "oneshot");
        d.set("command", argv(up), "up");
        if (Files.isRegularFile(p.resolve("down"))) d.set("stop_command", argv(p.resolve("down")), "down");
        if (Files.isRegularFile(p.resolve("reload"))) d.none("reload", ServiceDir.first(p.resolve("reload")), "banyan has no reload command for a oneshot");
        List<String> unknown = new ArrayList<>();
        for (String f : ServiceDir.entries(p))
            if (!RC_FILES.contains(f) && !List.of("env", "data").contains(f)) unknown.add(f);
        return unknown;
    }

    /** Keys every atomic service may have: dependencies, timeouts, flags. */
    private void common(Path p, Draft d, String type) throws ImportException {
        for (String dep : names(p, "dependencies"))
            for (String x : expand(dep, new LinkedHashSet<>())) d.depend("requires", x);
        if (Files.isRegularFile(p.resolve("timeout-up"))) {
            long ms = ServiceDir.number(p.resolve("timeout-up"));
            if (ms > 0) d.set("start_timeout", Values.millis(ms), "timeout-up");
        }
        if (Files.isRegularFile(p.resolve("timeout-down"))) {
            long ms = ServiceDir.number(p.resolve("timeout-down"));
            if (ms > 0 && d.get("stop_timeout") == null) d.set("stop_timeout", Values.millis(ms), "timeout-down: banyan sends SIGKILL then");
        }
        for (String flag : List.of("flag-essential", "flag-recommended"))
            if (Files.exists(p.resolve(flag))) d.none(flag, "(present)", flag.equals("flag-essential")
                    ? "banyan stops every service of the stack on the way down" : "banyan has no recommended services");
    }

    /** What a dependency or bundle member names, as services: bundles and pipelines by their contents, a logger by its producer. */
    private Set<String> expand(String name, Set<String> seen) throws ImportException {
        Set<String> out = new LinkedHashSet<>();
        if (!seen.add(name)) return out;
        if (bundles.containsKey(name)) {
            for (String m : bundles.get(name)) out.addAll(expand(m, seen));
            return out;
        }
        for (var t : types.entrySet()) { // a pipeline-name is a bundle of the pipeline that ends at its consumer
            Path pn = dir.resolve(t.getKey()).resolve("pipeline-name");
            if (Files.isRegularFile(pn) && ServiceDir.first(pn).equals(name)) {
                out.addAll(expand(t.getKey(), seen));
                for (String prod : lines(dir.resolve(t.getKey()).resolve("consumer-for"))) out.addAll(expand(prod, seen));
                return out;
            }
        }
        out.add(folded.getOrDefault(name, name));
        return out;
    }

    /** KEY.d/ (one entry per name) or, the older form, the KEY file (one name per line). */
    private static List<String> names(Path p, String key) throws ImportException {
        if (Files.isDirectory(p.resolve(key + ".d")))
            return ServiceDir.entries(p.resolve(key + ".d")).stream().filter(n -> !n.startsWith(".")).toList();
        return Files.isRegularFile(p.resolve(key)) ? lines(p.resolve(key)) : List.of();
    }

    private static List<String> lines(Path f) throws ImportException {
        if (!Files.isRegularFile(f)) return List.of();
        List<String> out = new ArrayList<>();
        for (String l : Import.text(f).split("\n")) {
            String s = l.stripLeading();
            if (!s.isEmpty() && !s.startsWith("#")) out.add(s);
        }
        return out;
    }

    /** An up or down file: its words when it is a plain command line, else execlineb reading the file as s6-rc would. */
    private static List<String> argv(Path f) throws ImportException {
        List<String> words = Execline.words(Import.text(f));
        if (words != null && !words.isEmpty()) return words;
        return List.of("execlineb", "-P", f.toString());
    }
}

package banyan.imports;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** `banyan import supervisord FILE`: a supervisord.conf, with the files its [include] names, as a banyan.toml. */
final class Supervisord {
    private Supervisord() {}

    private static final Set<String> SECTIONS = Set.of("supervisord", "unix_http_server", "inet_http_server", "supervisorctl", "include");
    private static final List<String> PREFIXES = List.of("program:", "group:", "eventlistener:", "fcgi-program:", "rpcinterface:", "ctlplugin:");

    /** The sections of the file and of what it includes, merged as configparser merges them, and how values expand. */
    static final class Conf {
        final Map<String, IniFile.Section> sections = new LinkedHashMap<>();
        final Map<String, IniFile.Option> defaults = new LinkedHashMap<>();
        final Map<String, Object> envNames = new LinkedHashMap<>();
        final String host;
        final List<Long> logSizes = new ArrayList<>();
        final List<Integer> logBackups = new ArrayList<>();

        Conf(Map<String, String> env, String host) {
            env.forEach((k, v) -> envNames.put("ENV_" + k, v));
            this.host = host;
        }

        void merge(List<IniFile.Section> parsed) {
            for (IniFile.Section s : parsed) {
                if (s.name().equals("DEFAULT")) defaults.putAll(s.options());
                else sections.computeIfAbsent(s.name(), n -> new IniFile.Section(n, s.file(), s.line(), new LinkedHashMap<>()))
                        .options().putAll(s.options());
            }
        }

        /** A section's option, or [DEFAULT]'s (configparser's fallback); null when neither has it. */
        IniFile.Option get(IniFile.Section s, String key) {
            IniFile.Option o = s.options().get(key);
            return o != null ? o : defaults.get(key);
        }

        /** The keys of a section and of [DEFAULT], in file order. */
        List<String> keys(IniFile.Section s) {
            Set<String> keys = new LinkedHashSet<>(s.options().keySet());
            keys.addAll(defaults.keySet());
            return List.copyOf(keys);
        }

        /** supervisord's expansion: %(here)s is the directory of the option's own file, then Python's % with names. */
        String expand(IniFile.Option o, String section, Map<String, Object> names) throws ImportException {
            Map<String, Object> all = new LinkedHashMap<>(envNames);
            all.putAll(names);
            all.put("here", o.file().getParent().toString());
            all.putIfAbsent("host_node_name", host);
            try {
                return PyFormat.expand(o.value(), all);
            } catch (IllegalArgumentException e) {
                throw new ImportException(o.file(), o.line(), "[" + section + "] " + o.name() + ": " + e.getMessage());
            }
        }
    }

    static Document read(Path file, Map<String, String> env, String host) throws ImportException {
        Conf c = new Conf(env, host);
        c.merge(IniFile.parse(file, Import.text(file)));
        Document doc = new Document("supervisord", file);
        includes(c, file, doc);
        for (IniFile.Section s : c.sections.values()) {
            boolean known = SECTIONS.contains(s.name()) || PREFIXES.stream().anyMatch(p -> s.name().startsWith(p) && s.name().length() > p.length());
            if (!known) throw new ImportException(s.file(), s.line(), "unknown section [" + s.name() + "]; supervisord reads [supervisord], "
                    + "[program:NAME], [group:NAME], [include], [eventlistener:NAME], [fcgi-program:NAME], [unix_http_server], "
                    + "[inet_http_server], [supervisorctl], [rpcinterface:NAME] and [ctlplugin:NAME]");
        }
        Map<String, String> globalEnv = SupervisordMain.section(c, doc);
        Map<String, String> groups = SupervisordMain.groups(c, doc);
        List<IniFile.Section> programs = new ArrayList<>();
        for (IniFile.Section s : c.sections.values()) {
            if (s.name().startsWith("program:")) programs.add(s);
            else if (s.name().startsWith("eventlistener:") || s.name().startsWith("fcgi-program:")) SupervisordMain.commentedOut(c, s, doc);
        }
        Map<IniFile.Section, Integer> priority = new LinkedHashMap<>();
        for (IniFile.Section s : programs) priority.put(s, SupervisordProgram.priority(c, s));
        programs.sort(Comparator.comparingInt(priority::get)); // stable: file order among equal priorities
        if (programs.isEmpty()) doc.header.add("no [program:NAME] section: nothing to supervise");
        else if (priority.values().stream().distinct().count() > 1)
            doc.header.add("services are in supervisord's priority order (start order); banyan starts those with no dependencies together");
        for (IniFile.Section s : programs) {
            String name = s.name().substring("program:".length());
            new SupervisordProgram(c, s, name, groups.getOrDefault(name, name), globalEnv, doc).translate();
        }
        SupervisordMain.logSizes(c, doc);
        return doc;
    }

    /** [include] files = globs relative to the including file; each file's %(here)s is its own directory. Not recursive, as in supervisord. */
    private static void includes(Conf c, Path file, Document doc) throws ImportException {
        IniFile.Section inc = c.sections.get("include");
        if (inc == null) return;
        IniFile.Option files = inc.options().get("files");
        if (files == null) throw new ImportException(inc.file(), inc.line(), "[include] has no files = ... (the globs of the files to include)");
        String globs = c.expand(files, "include", Map.of());
        for (String pattern : globs.split("\\s+")) {
            if (pattern.isEmpty()) continue;
            List<Path> found = glob(file.getParent().resolve(pattern).normalize());
            if (found.isEmpty()) doc.header.add("[include] " + pattern + ": no file matches it (supervisord warns and goes on)");
            for (Path p : found) {
                doc.header.add("included " + p);
                c.merge(IniFile.parse(p, Import.text(p)));
            }
        }
        c.sections.get("include").options().remove("files");
    }

    /** Python's glob.glob: * ? and [...] within one path element, hidden files only when named with a dot; sorted. */
    static List<Path> glob(Path pattern) {
        List<Path> at = List.of(pattern.getRoot());
        for (Path part : pattern) {
            String p = part.toString();
            List<Path> next = new ArrayList<>();
            for (Path dir : at) {
                if (!p.matches(".*[*?\\[].*")) {
                    if (Files.exists(dir.resolve(p))) next.add(dir.resolve(p));
                    continue;
                }
                var matcher = dir.getFileSystem().getPathMatcher("glob:" + p.replace("{", "\\{").replace("}", "\\}").replace("[!", "[!"));
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                    for (Path e : ds) {
                        String n = e.getFileName().toString();
                        if (n.startsWith(".") && !p.startsWith(".")) continue;
                        if (matcher.matches(e.getFileName())) next.add(e);
                    }
                } catch (IOException ignored) {
                    // not a directory, or unreadable: no match, as with glob.glob
                }
            }
            at = next;
        }
        return at.stream().filter(Files::isRegularFile).sorted().toList();
    }
}

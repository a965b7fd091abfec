package banyan.imports;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The sections of a supervisord.conf that are not programs: [supervisord], the servers, [group:x], listeners. */
final class SupervisordMain {
    private SupervisordMain() {}

    private static final Map<String, String> SUPERVISORD = Map.ofEntries(
            Map.entry("logfile", "banyan's own messages go to @banyan.log in log_dir, and to its console"),
            Map.entry("logfile_maxbytes", "@banyan.log is rotated like every log, at log_max_size"),
            Map.entry("logfile_backups", "@banyan.log is rotated like every log, keeping log_max_files"),
            Map.entry("loglevel", "banyan has no log levels: it says every state change"),
            Map.entry("pidfile", "banyan writes no pid file; `banyan status` asks it through its control socket"),
            Map.entry("umask", "banyan does not set a umask; it passes on its own"),
            Map.entry("nodaemon", "`banyan up` always runs in the foreground; start it from your init, or use `banyan init`"),
            Map.entry("silent", "`banyan up` always prints to its console; the log files hold the same"),
            Map.entry("minfds", "banyan raises its RLIMIT_NOFILE to the hard limit itself, and refuses a stack that does not fit"),
            Map.entry("minprocs", "banyan sets no RLIMIT_NPROC"),
            Map.entry("nocleanup", "banyan keeps no AUTO child log files to clean up"),
            Map.entry("user", "banyan does not switch user itself: run it as that user, or give each service a user"),
            Map.entry("directory", "banyan does not change directory; every working_dir is absolute"),
            Map.entry("strip_ansi", "banyan writes output as the service wrote it"),
            Map.entry("identifier", "banyan has no RPC identifier"));

    private static final Map<String, String> SERVERS = Map.of(
            "unix_http_server", "banyan's control API listens on a unix socket, mode 0600, its owner only: `banyan up --control PATH`",
            "inet_http_server", "banyan's control API over TCP: `banyan up --listen HOST:PORT --token-file FILE` (a token, not a password)",
            "supervisorctl", "the banyan command is the client: `banyan status`, `banyan restart NAME`... with --control PATH",
            "rpcinterface:", "banyan's API is HTTP/JSON (docs/api.yaml); it loads no RPC plugins",
            "ctlplugin:", "the banyan command loads no plugins",
            "include", "");

    /** [supervisord]: log_dir from childlogdir, the rest as comments; returns its environment, which every program gets. */
    static Map<String, String> section(Supervisord.Conf c, Document doc) throws ImportException {
        Map<String, String> env = new LinkedHashMap<>();
        IniFile.Section s = c.sections.get("supervisord");
        if (s != null) {
            for (String key : s.options().keySet()) { // not [DEFAULT]'s: supervisord reads only its own keys here
                IniFile.Option o = s.options().get(key);
                String v = c.expand(o, "supervisord", Map.of());
                switch (key) {
                    case "environment" -> {
                        env.putAll(pairs(o, "supervisord", v));
                        env.forEach((k, x) -> c.envNames.put("ENV_" + k, x));
                        doc.header.add("[supervisord] environment = " + v + ": in every service's env");
                    }
                    case "childlogdir" -> {
                        if (v.startsWith("/")) doc.top.set("log_dir", v, "[supervisord] childlogdir");
                        else doc.header.add("[supervisord] childlogdir = " + v + ": log_dir must be absolute; set it by hand");
                    }
                    default -> doc.header.add("[supervisord] " + key + " = " + v + ": "
                            + SUPERVISORD.getOrDefault(key, "not a key of [supervisord]; left out"));
                }
            }
        }
        for (IniFile.Section x : c.sections.values()) {
            String why = SERVERS.entrySet().stream().filter(e -> x.name().equals(e.getKey()) || e.getKey().endsWith(":") && x.name().startsWith(e.getKey()))
                    .map(Map.Entry::getValue).findFirst().orElse(null);
            if (why == null) continue;
            if (!why.isEmpty()) doc.header.add("[" + x.name() + "]: " + why);
            for (String key : x.options().keySet())
                doc.header.add("  " + key + " = " + (key.equals("password") ? "(not copied)" : x.options().get(key).value()));
        }
        return env;
    }

    /** [group:x] programs = a,b: banyan has no groups; returns each program's group, for %(group_name)s. */
    static Map<String, String> groups(Supervisord.Conf c, Document doc) throws ImportException {
        Map<String, String> of = new LinkedHashMap<>();
        for (IniFile.Section s : c.sections.values()) {
            if (!s.name().startsWith("group:")) continue;
            String group = s.name().substring("group:".length());
            IniFile.Option programs = c.get(s, "programs");
            if (programs == null) throw new ImportException(s.file(), s.line(), "[" + s.name() + "] has no programs = a,b (the programs it groups)");
            String list = c.expand(programs, s.name(), Map.of("group_name", group));
            for (String p : list.split(",")) {
                if (p.isBlank()) continue;
                if (!c.sections.containsKey("program:" + p.strip()))
                    throw new ImportException(programs.file(), programs.line(), "[" + s.name() + "] programs: no [program:" + p.strip() + "]");
                of.put(p.strip(), group);
            }
            IniFile.Option priority = c.get(s, "priority");
            doc.header.add("[" + s.name() + "] programs = " + list + (priority == null ? "" : ", priority = " + priority.value())
                    + ": banyan has no groups; `banyan restart " + String.join(" ", list.split("\\s*,\\s*")) + "` acts on several services at once");
        }
        return of;
    }

    /** An [eventlistener:x] or [fcgi-program:x], which banyan cannot run as supervisord does: kept whole, commented out. */
    static void commentedOut(Supervisord.Conf c, IniFile.Section s, Document doc) {
        String why = s.name().startsWith("eventlistener:")
                ? "banyan sends no supervisord events, and an event listener waits for them on its stdin"
                : "banyan does not open a listening socket for a program (socket = ...); let the program listen itself";
        Draft d = doc.service(s.name().substring(s.name().indexOf(':') + 1));
        d.autostart = false;
        doc.services.remove(d);
        StringBuilder text = new StringBuilder("[" + s.name() + "] at " + s.file().getFileName() + ":" + s.line() + ": not imported: " + why);
        for (String key : c.keys(s)) text.append("\n  ").append(key).append(" = ").append(c.get(s, key).value());
        doc.header.add(text.toString());
    }

    /** Per-program log sizes: banyan has one size and count for every service, taken when all programs agree. */
    static void logSizes(Supervisord.Conf c, Document doc) {
        if (!c.logSizes.isEmpty()) {
            long size = c.logSizes.getFirst();
            if (c.logSizes.stream().allMatch(x -> x == size) && size >= Values.MIN_LOG_SIZE)
                doc.top.set("log_max_size", Values.size(size), "the programs' *_logfile_maxbytes");
            else doc.header.add("programs set *_logfile_maxbytes to " + c.logSizes.stream().distinct().map(Values::size).toList()
                    + ": banyan rotates every log at one log_max_size (at least 32KiB); choose one");
        }
        if (!c.logBackups.isEmpty()) {
            int n = c.logBackups.getFirst();
            if (c.logBackups.stream().allMatch(x -> x == n)) doc.top.set("log_max_files", n + 1L, "the programs' *_logfile_backups, plus the current file");
            else doc.header.add("programs keep " + c.logBackups.stream().distinct().toList() + " log backups: banyan keeps one log_max_files for every service; choose one");
        }
    }

    static Map<String, String> pairs(IniFile.Option o, String section, String value) throws ImportException {
        try {
            return Shlex.pairs(value);
        } catch (IllegalArgumentException e) {
            throw new ImportException(o.file(), o.line(), "[" + section + "] " + o.name() + ": " + e.getMessage());
        }
    }

    static List<String> words(IniFile.Option o, String section, String value) throws ImportException {
        try {
            return Shlex.split(value);
        } catch (IllegalArgumentException e) {
            throw new ImportException(o.file(), o.line(), "[" + section + "] " + o.name() + ": " + e.getMessage());
        }
    }
}

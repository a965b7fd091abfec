package banyan.imports;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One [program:x] of a supervisord.conf: a service per process (numprocs of them), key by key. */
final class SupervisordProgram {
    private final Supervisord.Conf c;
    private final IniFile.Section s;
    private final String program, group;
    private final Map<String, String> globalEnv;
    private final Document doc;

    SupervisordProgram(Supervisord.Conf c, IniFile.Section s, String program, String group, Map<String, String> globalEnv, Document doc) {
        this.c = c;
        this.s = s;
        this.program = program;
        this.group = group;
        this.globalEnv = globalEnv;
        this.doc = doc;
    }

    static int priority(Supervisord.Conf c, IniFile.Section s) throws ImportException {
        IniFile.Option o = c.get(s, "priority");
        String name = s.name().substring(s.name().indexOf(':') + 1);
        return o == null ? 999 : integer(o, s, c.expand(o, s.name(), Map.of("program_name", name, "group_name", name)));
    }

    void translate() throws ImportException {
        Map<String, Object> common = new LinkedHashMap<>(Map.of("program_name", program, "group_name", group));
        IniFile.Option n = c.get(s, "numprocs"), start = c.get(s, "numprocs_start"), pn = c.get(s, "process_name");
        int numprocs = n == null ? 1 : integer(n, s, c.expand(n, s.name(), common));
        int first = start == null ? 0 : integer(start, s, c.expand(start, s.name(), common));
        if (numprocs < 1) throw new ImportException(n.file(), n.line(), "[" + s.name() + "] numprocs must be 1 or more");
        if (numprocs > 1 && (pn == null || !pn.value().contains("%(process_num)")))
            throw new ImportException(pn == null ? s.file() : pn.file(), pn == null ? s.line() : pn.line(),
                    "[" + s.name() + "] numprocs = " + numprocs + " needs %(process_num) in process_name, as in process_name = %(program_name)s_%(process_num)02d");
        for (int num = first; num < first + numprocs; num++) process(common, num, numprocs, pn);
    }

    private void process(Map<String, Object> common, int num, int numprocs, IniFile.Option pn) throws ImportException {
        Map<String, Object> names = new LinkedHashMap<>(common);
        names.put("process_num", num);
        names.put("numprocs", numprocs);
        Map<String, String> env = new LinkedHashMap<>(globalEnv);
        IniFile.Option eo = c.get(s, "environment");
        if (eo != null) { // its variables are ENV_ names for the other keys
            Map<String, String> own = SupervisordMain.pairs(eo, s.name(), c.expand(eo, s.name(), names));
            env.putAll(own);
            own.forEach((k, v) -> names.put("ENV_" + k, v));
        }
        String name = pn == null ? program : c.expand(pn, s.name(), names).strip();
        for (char bad : new char[] {' ', ':', '/'})
            if (name.indexOf(bad) >= 0) throw new ImportException(pn == null ? s.file() : pn.file(), pn == null ? s.line() : pn.line(),
                    "[" + s.name() + "] the process name '" + name + "' may not hold '" + bad + "'");
        Draft d = doc.service(name);
        d.comment("[" + s.name() + "] at " + s.file().getFileName() + ":" + s.line() + (numprocs > 1 ? ", process_num " + num + " of numprocs = " + numprocs : ""));
        IniFile.Option cmd = c.get(s, "command");
        if (cmd == null) throw new ImportException(s.file(), s.line(), "[" + s.name() + "] has no command = ... (the program to run)");
        List<String> argv = SupervisordMain.words(cmd, s.name(), c.expand(cmd, s.name(), names));
        if (argv.isEmpty()) throw new ImportException(cmd.file(), cmd.line(), "[" + s.name() + "] command is empty");
        d.set("command", argv);
        if (!env.isEmpty()) d.set("env", env);
        List<String> keys = c.keys(s);
        if (!keys.contains("autorestart")) d.set("restart", "on-failure", "supervisord's default, autorestart = unexpected");
        int startsecs = 1;
        for (String key : keys) {
            IniFile.Option o = c.get(s, key);
            String v = c.expand(o, s.name(), names);
            switch (key) {
                case "command", "process_name", "numprocs", "numprocs_start", "environment" -> {}
                case "priority" -> {}
                case "autostart" -> {
                    if (!bool(o, v)) {
                        d.autostart = false;
                        d.none(key, v, "left out of [target.default]; `banyan start NAME` starts it");
                    }
                }
                case "autorestart" -> {
                    String mode = switch (v.toLowerCase(Locale.ROOT)) {
                        case "unexpected" -> "on-failure";
                        default -> bool(o, v) ? "always" : "never";
                    };
                    d.set("restart", mode, "autorestart = " + v);
                }
                case "startsecs" -> {
                    startsecs = integer(o, s, v);
                    d.set("min_uptime", Values.seconds(startsecs), "startsecs = " + v + ": a death sooner is a failed start");
                    d.set("backoff_reset", Values.seconds(startsecs), "a start that lasted startsecs forgets earlier failures");
                }
                case "startretries" -> {
                    int tries = integer(o, s, v);
                    d.set("max_restarts", (long) tries, "startretries = " + v);
                    d.set("backoff", "1s", "supervisord waits 1s, 2s, 3s... between tries");
                    d.set("backoff_max", Values.seconds(Math.max(1, tries)));
                    long window = (long) tries * (tries + 1) / 2 + (long) (tries + 1) * Math.max(startsecs, 1) + 10;
                    d.set("restart_window", Values.seconds(window), "long enough to count every try");
                }
                case "exitcodes" -> {
                    if (!v.replace(" ", "").equals("0"))
                        d.none(key, v, "banyan counts only exit 0 as a success; restart = \"on-failure\" restarts after any other");
                }
                case "stopsignal" -> d.set("stop_signal", Values.signal(v).orElseThrow(() -> bad(o, "'" + v + "' is not a signal")), "stopsignal");
                case "stopwaitsecs" -> {
                    int secs = integer(o, s, v);
                    d.set("stop_timeout", secs > 0 ? Values.seconds(secs) : "100ms", "stopwaitsecs = " + v);
                }
                case "stopasgroup", "killasgroup" -> {
                    if (!bool(o, v)) d.none(key, v, "banyan always signals the whole process group, and kills the cgroup");
                }
                case "user" -> d.set("user", v);
                case "directory" -> {
                    if (v.startsWith("/")) d.set("working_dir", v);
                    else {
                        String abs = o.file().getParent().resolve(v).normalize().toString();
                        d.set("working_dir", abs, "directory = " + v + " (relative to supervisord's directory), taken from the file's directory");
                    }
                }
                case "redirect_stderr" -> d.none(key, v, "banyan keeps stdout and stderr in one log, each line marked out or err");
                case "stdout_logfile", "stderr_logfile" -> logfile(d, name, key, v);
                case "stdout_logfile_maxbytes", "stderr_logfile_maxbytes" -> {
                    long size = bytes(o, v);
                    if (size > 0) c.logSizes.add(size);
                    d.none(key, v, size > 0 ? "banyan rotates every service's log at the top-level log_max_size" : "banyan always rotates its logs (log_max_size)");
                }
                case "stdout_logfile_backups", "stderr_logfile_backups" -> {
                    c.logBackups.add(integer(o, s, v));
                    d.none(key, v, "banyan keeps the top-level log_max_files for every service");
                }
                case "stdout_capture_maxbytes", "stderr_capture_maxbytes", "stdout_events_enabled", "stderr_events_enabled" ->
                        d.none(key, v, "banyan sends no supervisord events");
                case "stdout_syslog", "stderr_syslog" -> {
                    if (bool(o, v)) syslog(d, name, key + " = " + v);
                }
                case "umask" -> d.none(key, v, "banyan does not set a umask; put `umask " + v + "` in a wrapper script");
                case "serverurl" -> d.none(key, v, "banyan passes no supervisorctl URL; a service can use the banyan command with --control");
                default -> d.none(key, v, "not a key of [program:x]; left out");
            }
        }
    }

    private void logfile(Draft d, String name, String key, String v) {
        switch (v.toUpperCase(Locale.ROOT)) {
            case "AUTO" -> {}
            case "NONE" -> d.none(key, v, "banyan always keeps the output, in log_dir/" + name + ".log");
            case "SYSLOG" -> syslog(d, name, key + " = " + v);
            default -> d.none(key, v, "banyan writes the output to log_dir/" + name + ".log");
        }
    }

    private static void syslog(Draft d, String name, String note) {
        d.set("logger", List.of("logger", "-t", name), note + ": to syslog, through util-linux logger");
    }

    static int integer(IniFile.Option o, IniFile.Section s, String v) throws ImportException {
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw bad(o, "'" + v + "' is not a whole number");
        }
    }

    private static boolean bool(IniFile.Option o, String v) throws ImportException {
        return switch (v.strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw bad(o, "'" + v + "' is not true or false");
        };
    }

    /** supervisord's byte_size: a number, or one with KB, MB or GB (1024 each). */
    private static long bytes(IniFile.Option o, String v) throws ImportException {
        var m = java.util.regex.Pattern.compile("(?i)\\s*(\\d+)\\s*(kb|mb|gb)?\\s*").matcher(v);
        if (!m.matches()) throw bad(o, "'" + v + "' is not a size such as 50MB");
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
        return n * switch (unit) {
            case "kb" -> 1024L;
            case "mb" -> 1024L * 1024;
            case "gb" -> 1024L * 1024 * 1024;
            default -> 1L;
        };
    }

    private static ImportException bad(IniFile.Option o, String why) {
        return new ImportException(o.file(), o.line(), o.name() + ": " + why);
    }
}

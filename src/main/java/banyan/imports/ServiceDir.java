package banyan.imports;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The files of an s6 service directory (or s6-rc longrun definition) that s6-supervise reads, as a banyan service's keys. */
final class ServiceDir {
    private ServiceDir() {}

    /** Created by s6-supervise at run time: not configuration. */
    static final List<String> RUNTIME = List.of("supervise", "event");

    private static final Map<String, String> NONE = Map.ofEntries(
            Map.entry("finish", "banyan runs no finish script after the service dies; clean up at the start of run instead"),
            Map.entry("timeout-finish", "banyan runs no finish script"),
            Map.entry("max-death-tally", "banyan counts quick deaths within restart_window (max_restarts)"),
            Map.entry("flag-timeout-killpg", "banyan always kills the whole process group, and the cgroup"),
            Map.entry("lock-fd", "banyan never runs two instances of a service: the old one's group and cgroup are empty before the next starts"),
            Map.entry("flag-newpidns", "banyan does not start a service in a PID namespace of its own"),
            Map.entry("nosetsid", "banyan always starts a service in a session of its own"),
            Map.entry("instance", "s6-instance-maker's instances: import each instance's directory"),
            Map.entry("instances", "s6-instance-maker's instances: import each instance's directory"),
            Map.entry("template", "s6-instance-maker's template: import each instance's directory"),
            Map.entry("data", "the run script finds it in its working directory, as under s6"));

    /** run, notification-fd, timeout-kill, down-signal, env/ and the rest, in name order; returns the names of the files it did not know. */
    static List<String> longrun(Path dir, String name, Draft d, List<String> handledElsewhere) throws ImportException {
        Path run = dir.resolve("run");
        if (!Files.isRegularFile(run)) throw new ImportException(dir, 0, "no run file: a service directory must hold an executable run");
        List<String> argv = new java.util.ArrayList<>();
        if (!Files.isExecutable(run)) {
            // s6-rc-compile copies run with mode 0755; a scan directory's run must be executable already
            if (!handledElsewhere.contains("type")) throw new ImportException(run, 0, "not executable: s6-supervise could not start it (chmod +x)");
            String shebang = Import.text(run).lines().findFirst().orElse("");
            if (!shebang.startsWith("#!")) throw new ImportException(run, 1, "neither executable nor a #! script: banyan cannot tell how to run it");
            argv.addAll(java.util.Arrays.asList(shebang.substring(2).strip().split("\\s+", 2)));
            d.comment("run is not executable here (s6-rc-compile makes it so): run by its #! line");
        }
        argv.addAll(List.of(run.toString(), name));
        d.set("command", argv, "./run, given the service's name as s6-supervise gives it");
        d.set("working_dir", dir.toString(), "s6-supervise runs ./run in the service directory");
        String runText = Files.isReadable(run) && size(run) < 1 << 20 ? Import.text(run) : "";
        List<String> unknown = new java.util.ArrayList<>();
        for (String f : entries(dir)) {
            Path p = dir.resolve(f);
            switch (f) {
                case "run" -> {}
                case "notification-fd" -> {
                    long fd = number(p);
                    if (fd >= 3 && fd <= 1023) d.set("ready", Map.of("fd", fd), "notification-fd: a newline on it means ready");
                    else d.none(f, String.valueOf(fd), "banyan's readiness fd is 3 or more; the service must write its newline there");
                }
                case "timeout-kill" -> {
                    long ms = number(p);
                    if (ms > 0) d.set("stop_timeout", Values.millis(ms), "timeout-kill: then SIGKILL");
                    else d.none(f, "0", "s6 never kills it; banyan sends SIGKILL after stop_timeout (10s)");
                }
                case "down-signal" -> {
                    String v = first(p);
                    d.set("stop_signal", Values.signal(v).orElseThrow(() -> new ImportException(p, 1, "'" + v + "' is not a signal")), "down-signal");
                }
                case "reload-signal" -> d.none(f, first(p), "banyan has no reload command; `banyan signal NAME " + first(p) + "` sends it");
                case "env" -> env(p, d, runText);
                default -> {
                    if (NONE.containsKey(f)) d.none(f, Files.isDirectory(p) ? "(directory)" : f.equals("finish") ? "(a script)" : first(p), NONE.get(f));
                    else if (!RUNTIME.contains(f) && !handledElsewhere.contains(f)) unknown.add(f);
                }
            }
        }
        return unknown;
    }

    /** env/ in s6-envdir's format: one variable per file, its first line, trailing blanks cut; set only when run uses s6-envdir. */
    private static void env(Path dir, Draft d, String runText) throws ImportException {
        if (!Files.isDirectory(dir)) {
            d.none("env", first(dir), "not a directory");
            return;
        }
        if (!runText.contains("envdir")) {
            d.comment("env/: left out, as ./run does not read it (no s6-envdir in it)");
            return;
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (String f : entries(dir)) {
            if (f.startsWith(".") || f.contains("=")) continue;
            String v = Import.text(dir.resolve(f));
            int nl = v.indexOf('\n');
            String line = (nl >= 0 ? v.substring(0, nl) : v).replaceAll("[ \t]+$", "").replace('\0', '\n');
            if (v.isEmpty()) d.comment("env/" + f + " is empty: s6-envdir unsets " + f + "; banyan cannot unset a variable");
            else env.put(f, line);
        }
        if (!env.isEmpty()) d.set("env", env, "env/, which ./run reads with s6-envdir; read at import time");
    }

    static List<String> entries(Path dir) throws ImportException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new ImportException(dir, 0, "cannot read the directory: " + e.getMessage());
        }
    }

    /** The first line of a small file, trimmed. */
    static String first(Path p) throws ImportException {
        if (Files.isDirectory(p)) return "(directory)";
        String t = Import.text(p);
        int nl = t.indexOf('\n');
        return (nl >= 0 ? t.substring(0, nl) : t).strip();
    }

    static long number(Path p) throws ImportException {
        String v = first(p);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new ImportException(p, 1, "'" + v + "' is not a number");
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    /** sh -c text that runs DIR/run from DIR, as s6-supervise runs a logger; fd N opened on /dev/null when its notification-fd asks for it. */
    static List<String> loggerCommand(Path dir, String name) throws ImportException {
        String cmd = "cd " + quote(dir.toString()) + " && exec ./run " + quote(name);
        if (Files.isRegularFile(dir.resolve("notification-fd"))) cmd += " " + number(dir.resolve("notification-fd")) + ">/dev/null";
        return List.of("/bin/sh", "-c", cmd);
    }

    static String quote(String s) {
        return s.matches("[A-Za-z0-9_./@%+=:,-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }
}

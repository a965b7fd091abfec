package banyan.supervise;

import banyan.config.ServiceConfig;
import banyan.os.Cgroup;
import banyan.os.Reaper;
import banyan.os.Spawn;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * Turns a service's config into a spawn: the environment, the program's path, and where the
 * process is born. A service with a cgroup is spawned straight into it (clone3 with
 * CLONE_INTO_CGROUP) where the kernel can; elsewhere the exec step (banyan-exec) joins the
 * cgroup by writing cgroup.procs. The exec step also takes on another user, which no spawn can.
 */
final class Launcher {
    private static final AtomicBoolean TOLD = new AtomicBoolean(); // that spawning into cgroups stopped: said once
    private final ServiceConfig config;
    private final Map<String, String> env;
    private final Optional<Path> execHelper;
    private final Path roots;

    /** @param roots where roots are seen: a service on root NAME gets roots/NAME as its / */
    Launcher(ServiceConfig config, Map<String, String> baseEnv, Optional<Path> execHelper, Path roots) {
        this.config = config;
        this.execHelper = execHelper;
        this.roots = roots;
        if (config.user().isEmpty() && config.env().isEmpty()) {
            this.env = Map.copyOf(baseEnv); // the same map for every such service when baseEnv is immutable
            return;
        }
        Map<String, String> e = new LinkedHashMap<>(baseEnv);
        config.user().ifPresent(u -> {
            e.put("USER", u.name());
            e.put("LOGNAME", u.name());
            e.put("HOME", u.home());
            e.put("SHELL", u.shell());
        });
        e.putAll(config.env());
        this.env = Map.copyOf(e);
    }

    /** A spawn that cannot even be tried: the program is missing, or the exec step is. */
    static final class LaunchException extends Exception {
        LaunchException(String message) {
            super(message);
        }
    }

    /** Spawns the service's command; owner hears of its exit. */
    int spawn(Map<Integer, Integer> fds, Optional<Cgroup> cgroup, Map<String, String> extraEnv, Reaper.Owner owner) throws LaunchException {
        return spawn(config.command(), fds, cgroup, extraEnv, owner);
    }

    /** Another program run as the service would be (exec probes, stop_command): same env, user, directory and cgroup. */
    int spawn(List<String> argv, Map<Integer, Integer> fds, Optional<Cgroup> cgroup, Map<String, String> extraEnv, Reaper.Owner owner)
            throws LaunchException {
        if (cgroup.isPresent() && Spawn.cloneIntoCgroup()) {
            try {
                return Reaper.get().spawn(spec(argv, fds, cgroup, extraEnv, true), owner);
            } catch (Spawn.NoCloneIntoCgroup e) {
                // Nothing ran, and the kernel cannot place it there: the exec step joins the cgroup instead.
                if (!Spawn.cloneIntoCgroup() && TOLD.compareAndSet(false, true))
                    System.err.println("banyan: " + e.getMessage() + "; from now on services join their cgroups through cgroup.procs");
            }
        }
        return Reaper.get().spawn(spec(argv, fds, cgroup, extraEnv, false), owner);
    }

    /** bornInCgroup: the spawn places the process in its cgroup; otherwise the exec step moves it there. */
    Spawn.Spec spec(List<String> argv, Map<Integer, Integer> fds, Optional<Cgroup> cgroup, Map<String, String> extraEnv, boolean bornInCgroup)
            throws LaunchException {
        // On a root, the program is looked up there by the exec step: banyan never opens a path on a root.
        String program = config.root().isPresent() ? argv.getFirst() : resolve(argv.getFirst());
        List<String> envList = new ArrayList<>();
        env.forEach((k, v) -> { if (!extraEnv.containsKey(k)) envList.add(k + "=" + v); });
        extraEnv.forEach((k, v) -> envList.add(k + "=" + v));
        Optional<Path> into = bornInCgroup ? cgroup.map(Cgroup::dir) : Optional.empty();
        boolean joins = cgroup.isPresent() && !bornInCgroup;
        boolean watchdogPid = extraEnv.containsKey("WATCHDOG_USEC") && execHelper.filter(Files::isExecutable).isPresent(); // the helper sets WATCHDOG_PID
        if (!joins && config.user().isEmpty() && !watchdogPid && config.root().isEmpty())
            return new Spawn.Spec(program, argv, envList, config.workingDir(), fds, into);
        Path helper = execHelper.filter(Files::isExecutable).orElseThrow(() -> new LaunchException(
                "the exec step banyan-exec is missing (needed for cgroup, user or root); rebuild banyan"));
        List<String> helperArgv = new ArrayList<>();
        helperArgv.add("banyan-exec");
        config.root().ifPresent(r -> {
            helperArgv.addAll(List.of("--root", roots.resolve(r.root()).toString()));
            config.workingDir().ifPresent(d -> helperArgv.addAll(List.of("--cwd", d)));
            r.binds().forEach(b -> helperArgv.addAll(List.of("--bind", b.host(), b.inside(), b.readOnly() ? "ro" : "rw")));
        });
        helperArgv.add(joins ? cgroup.get().procsFile().toString() : "-");
        helperArgv.add(config.user().map(u -> u.uid() + ":" + u.gid() + ":"
                + u.groups().stream().map(String::valueOf).collect(Collectors.joining(","))).orElse("-"));
        helperArgv.add(program);
        helperArgv.addAll(argv);
        // A working directory on a root is entered by the exec step: a spawn's chdir would make banyan's thread wait on it.
        Optional<String> cwd = config.root().isPresent() ? Optional.empty() : config.workingDir();
        return new Spawn.Spec(helper.toString(), helperArgv, envList, cwd, fds, into);
    }

    /** The program's path, searched in the service's PATH when the name has no slash. */
    private String resolve(String name) throws LaunchException {
        String path = env.getOrDefault("PATH", Spawn.DEFAULT_PATH);
        return Spawn.resolve(name, path).orElseThrow(() ->
                new LaunchException("program '" + name + "' not found in PATH=" + path + "; install it or give its full path in command"));
    }
}

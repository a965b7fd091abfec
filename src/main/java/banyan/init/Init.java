package banyan.init;

import banyan.config.StackConfig;
import banyan.manage.Stack;
import banyan.os.Mounts;
import banyan.os.OsException;
import banyan.os.Proc;
import banyan.os.Reaper;
import banyan.os.Reaper.Exit;
import banyan.os.SignalHandlers;
import banyan.os.Signals;
import banyan.supervise.Host;
import banyan.supervise.LogPump;
import banyan.supervise.ServiceState;
import banyan.supervise.ServiceStatus;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * banyan as PID 1: stage 1 (filesystems, boot variables, hostname, console), stage 2 (the boot
 * target, then MAIN in a container), the running system, stage 3 (services down in reverse
 * order) and stage 4 (what is left, filesystems, reboot or exit).
 *
 * <p>Everything that happens while the system runs (signals, state changes, MAIN's exit,
 * shutdown requests) is an event on one queue, handled by the thread that called {@link #run}.
 * The queue stays small: only the state changes that init acts on (leaving up, failed) are queued,
 * and a signal already queued is not queued again (as the kernel merges a pending signal);
 * the fields marked "init thread" are touched by it alone. An error while handling one event
 * is logged and the loop goes on: PID 1 must not exit while the system runs.
 */
public final class Init {
    public enum Mode { CONTAINER, MACHINE }

    public static final int OK = 0, FAILED = 1;

    private sealed interface Event {}

    private record ShutdownRequest(Action action, int code, String why) implements Event {}
    private record Changed(ServiceStatus before, ServiceStatus now) implements Event {}
    private record MainExited(Exit exit) implements Event {}
    private record Got(int signal) implements Event {}
    /** The boot target settled: each wanted service's outcome, as {@link Stack#awaitUp} gives it. */
    private record Booted(Map<String, String> outcomes) implements Event {}

    private static final List<Integer> HANDLED = List.of(Signals.TERM, Signals.INT, Signals.PWR, Signals.HUP, Signals.USR1, Signals.USR2);

    private final StackConfig config;
    private final List<String> main;
    private final Optional<Mode> forcedMode;
    private final Host.Output output;
    private final Host.Listener listener;
    private final LogPump pump;
    private final Consumer<String> log;
    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final Set<Integer> queuedSignals = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;
    private volatile Stack stack;
    private volatile MainProcess mainProcess;
    private volatile Runnable reload;
    private volatile Consumer<Stack> onStack = s -> {};
    private volatile Runnable beforeUnmount = () -> {};
    private Optional<Path> cgroupParent = Optional.empty();           // init thread

    private Mode mode;                                                // init thread
    private volatile BootSettings settings;                           // written by the init thread
    private boolean booted;                                           // init thread
    private final Set<String> cameUp = new java.util.HashSet<>();     // init thread: stayed up for min_uptime once
    private ShutdownRequest shutdown;                                 // init thread

    /**
     * @param config     the stack; an empty one when the file was broken (a machine must still boot)
     * @param main       MAIN's argv, empty for none
     * @param forcedMode container or machine as the command line chose, else detected
     * @param log        where init's own lines go (the console)
     */
    public Init(StackConfig config, List<String> main, Optional<Mode> forcedMode, Host.Output output, Host.Listener listener,
                LogPump pump, Consumer<String> log) {
        this.config = config;
        this.pump = pump;
        this.main = List.copyOf(main);
        this.forcedMode = forcedMode;
        this.output = output;
        this.listener = listener;
        this.log = log;
        this.reload = () -> log.accept("SIGHUP: reload is not available in this build; restart banyan to apply a new configuration");
    }

    /** Asks for a shutdown (stages 3 and 4) with action; any thread may call it, for example the control API. */
    public void requestShutdown(Action action) {
        events.offer(new ShutdownRequest(action, OK, action.word() + " requested"));
    }

    /** The running stack; null before stage 2. */
    public Stack stack() {
        return stack;
    }

    /** Called once, in stage 2, with the stack before it comes up: the control API starts there. */
    public void onStack(Consumer<Stack> handler) {
        this.onStack = handler;
    }

    /** config with the boot target this boot runs (the kernel command line may have chosen it). */
    public StackConfig withBootTarget(StackConfig config) {
        Map<String, String> boot = new LinkedHashMap<>(config.boot());
        BootSettings s = settings;
        if (s != null) boot.put("target", s.target());
        return new StackConfig(config.sources(), boot, config.services(), config.targets(), config.log(), config.roots(), config.grid());
    }

    /**
     * Called once in stage 4, when no process is left and before the filesystems go: what banyan
     * itself holds there (the control socket on /run, the log files under /var/log) closes in it,
     * or the unmounts and the read-only remount of the root would find them busy.
     */
    public void beforeUnmount(Runnable handler) {
        this.beforeUnmount = handler;
    }

    /** What SIGHUP does; the reload of the manager plugs in here. */
    public void onReload(Runnable handler) {
        this.reload = handler;
    }

    /** Runs the system; returns the exit code in a container, never returns on a machine. */
    public int run() throws InterruptedException {
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> log.accept("internal error in thread " + t.getName() + ": " + e + "; carrying on"));
        int self = Proc.pid();
        boolean pid1 = self == 1;
        if (!pid1) Proc.becomeSubreaper();
        List<String> made = List.of();
        if (pid1) {
            Stage1.Outcome s1 = Stage1.run(config.boot(), forcedMode, log);
            mode = s1.mode();
            settings = s1.settings();
            made = s1.made();
        } else {
            mode = Mode.CONTAINER;
            settings = report(BootSettings.parse(config.boot()));
        }
        log.accept("banyan init as pid " + self + " in " + mode.name().toLowerCase() + " mode, target " + settings.target());
        Reaper.get(); // collects orphans from here on, whoever their parent was
        if (pid1) SignalHandlers.on(Signals.number("CHLD").orElseThrow(), Reaper.get()::adopted);
        for (int s : HANDLED)
            if (!SignalHandlers.on(s, () -> signalled(s)))
                log.accept(Signals.name(s) + " is reserved by the JVM here: use `banyan shutdown` instead"); // not seen with JDK 25
        stage2(self);
        loop();
        int code = shutdown.code();
        try {
            code = stage3();
        } catch (RuntimeException | Error e) {
            log.accept("stage 3: internal error: " + e + "; going on to stage 4"); // SIGKILL then catches what is left
        }
        try {
            stage4(pid1, made);
        } catch (RuntimeException | Error e) {
            log.accept("stage 4: internal error: " + e + "; going on");
        }
        if (mode == Mode.CONTAINER) {
            log.accept("exit " + code);
            return code;
        }
        Stage4.powerDown(shutdown.action(), log);
        return code; // unreachable: powerDown never returns
    }

    // ---- stage 2 and the running system ----

    private void stage2(int self) {
        // every PID 1 is pid 1: a boot-unique suffix keeps two containers sharing a cgroup tree apart
        String instance = "banyan-" + self + (self == 1 ? "-" + Long.toHexString(System.nanoTime()) : "");
        Host host = Host.local(instance, pump, output, (before, now) -> {
            listener.changed(before, now);
            if (now.state() == ServiceState.FAILED || before != null && before.state() == ServiceState.UP && now.state() != ServiceState.UP)
                events.offer(new Changed(before, now)); // the only changes that changed() acts on
        });
        Optional<Path> cgroups = host.cgroupParent();
        cgroupParent = cgroups;
        StackConfig withTarget = withBootTarget(config);
        Stack s = new Stack(withTarget, host, banyan.manage.RootsAt.heardBy(listener)); // roots' changes too, when it hears them
        stack = s;
        int wanted = withTarget.closure(settings.target()).size();
        log.accept("stage 2: starting " + wanted + " service(s) of target " + settings.target()
                + (cgroups.isEmpty() ? " (no writable cgroup v2: tracked by process group)" : ""));
        s.up(); // asynchronous: the stack thread spawns while the control API starts here
        try {
            onStack.accept(s);
        } catch (RuntimeException e) {
            log.accept("stage 2: " + e.getMessage() + "; going on without it");
        }
        Thread.ofVirtual().name("boot").start(() -> {
            try {
                s.awaitUp(java.time.Duration.ofDays(3650)).ifPresent(o -> events.offer(new Booted(o)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private BootSettings report(BootSettings.Parsed p) {
        p.problems().forEach(x -> log.accept(x + " (default used)"));
        return p.settings();
    }

    private void loop() throws InterruptedException {
        while (shutdown == null) {
            Event e = events.take();
            try {
                handle(e);
            } catch (RuntimeException | Error x) {
                log.accept("internal error handling " + e + ": " + x + "; carrying on");
            }
        }
    }

    private void handle(Event e) {
        switch (e) {
            case ShutdownRequest r -> shutdown = r;
            case Changed c -> changed(c.before(), c.now());
            case MainExited m -> shutdown = new ShutdownRequest(Action.POWEROFF, m.exit().shellCode(), "MAIN " + m.exit().describe());
            case Got g -> { queuedSignals.remove(g.signal()); onSignal(g.signal()); }
            case Booted b -> booted(b.outcomes());
        }
    }

    private void changed(ServiceStatus before, ServiceStatus now) {
        String name = now.name();
        var config = stack.config(name).orElse(null); // as reloaded
        if (config == null) return;
        if (before != null && before.state() == ServiceState.UP && now.state() != ServiceState.UP
                && !java.time.Duration.between(before.since(), now.since()).minus(config.restart().minUptime()).isNegative())
            cameUp.add(name);
        if (now.state() == ServiceState.FAILED) {
            if (config.critical()) {
                Action a = settings.onFailure().orElse(Action.REBOOT);
                shutdown = new ShutdownRequest(a, FAILED, "critical service " + name + " failed: " + now.reason());
            } else if (booted && !cameUp.contains(name)) bootFailure(name, now.reason()); // before, Booted reports it
        }
    }

    /**
     * A service that failed for good without ever staying up for its min_uptime did not come up:
     * that is a failure of the boot target, whenever it is noticed (a service without a readiness
     * probe is ready once spawned, so a failing start can show after the target was declared up).
     */
    private void bootFailure(String name, String reason) {
        if (settings.onFailure().isEmpty()) {
            log.accept("stage 2: " + name + " failed to come up (" + reason + "); the rest keeps running");
            return;
        }
        Action a = settings.onFailure().get();
        log.accept("stage 2: " + name + " failed to come up (" + reason + ")");
        if (shutdown == null) shutdown = new ShutdownRequest(a, FAILED, "boot failed ([boot].on_failure = " + a.word() + ")");
    }

    /** The boot target is up: every wanted service is ready, failed, or skipped for a failed requirement. */
    private void booted(Map<String, String> outcomes) {
        if (booted || shutdown != null) return;
        booted = true;
        List<String> bad = outcomes.entrySet().stream().filter(e -> !e.getValue().equals("ready"))
                .map(e -> e.getKey() + " " + e.getValue()).sorted().toList();
        log.accept("stage 2: target " + settings.target() + " is up: " + (outcomes.size() - bad.size()) + " of " + outcomes.size()
                + " ready" + (bad.isEmpty() ? "" : "; " + String.join("; ", bad)));
        for (var e : outcomes.entrySet())
            if (!e.getValue().equals("ready") && !cameUp.contains(e.getKey())) bootFailure(e.getKey(), e.getValue());
        if (!main.isEmpty() && shutdown == null) startMain();
        Proc.returnFreeMemory(); // what bring-up made the heap and malloc grow (docs/benchmarks.md)
    }

    private void startMain() {
        try {
            mainProcess = MainProcess.start(main, Host.inheritedEnvironment(), x -> events.offer(new MainExited(x)));
            log.accept("MAIN started: pid " + mainProcess.pid() + " " + String.join(" ", main));
        } catch (OsException e) {
            shutdown = new ShutdownRequest(Action.POWEROFF, MainProcess.codeFor(e), "MAIN cannot start: " + e.getMessage());
        }
    }

    /** Signal handler thread: hand over, except a second TERM or INT during shutdown, which kills at once. */
    private void signalled(int signal) {
        if (stopping && (signal == Signals.TERM || signal == Signals.INT) && mode == Mode.CONTAINER) {
            log.accept(Signals.name(signal) + " during shutdown: killing every service now");
            Stack s = stack;
            if (s != null) s.killNow();
            MainProcess m = mainProcess;
            if (m != null) m.signal(Signals.KILL);
            return;
        }
        if (queuedSignals.add(signal)) events.offer(new Got(signal));
    }

    private void onSignal(int signal) {
        String name = Signals.name(signal);
        switch (Meaning.of(mode, signal)) {
            case Meaning.Reload r -> reload.run();
            case Meaning.Shutdown d -> shutdown = new ShutdownRequest(d.action(), OK, name + " received");
            case Meaning.ForwardToMain f -> {
                MainProcess m = mainProcess;
                if (m != null && m.running()) m.signal(signal);
                else log.accept(name + " ignored: no MAIN to forward it to");
            }
            case Meaning.Ignore i -> log.accept(name + " " + i.why());
        }
    }

    // ---- stage 3 and 4 ----

    private int stage3() throws InterruptedException {
        stopping = true;
        log.accept("stage 3: " + shutdown.why() + "; stopping" + (mode == Mode.MACHINE ? " to " + shutdown.action().word() : ""));
        int code = shutdown.code();
        MainProcess m = mainProcess;
        if (m != null && m.running()) {
            Exit x = m.stop(settings.mainStopTimeout());
            log.accept("MAIN " + x.describe());
            if (code == OK) code = x.shellCode();
        }
        stack.down();
        Set<String> left = stack.statuses().stream().filter(s -> !s.state().isSettled())
                .map(ServiceStatus::name).collect(Collectors.toSet());
        log.accept("stage 3: services stopped" + (left.isEmpty() ? "" : " (still stopping: " + left + ")")
                + "; " + Reaper.get().orphansReaped() + " orphan(s) reaped while running");
        return code;
    }

    private void stage4(boolean pid1, List<String> made) {
        if (Remaining.end(pid1, settings.grace(), line -> log.accept("stage 4: " + line)) == 0) log.accept("stage 4: no process left");
        try {
            beforeUnmount.run();
        } catch (RuntimeException e) {
            log.accept("stage 4: before the unmounts: " + e + "; going on");
        }
        if (mode == Mode.MACHINE) {
            var table = Mounts.table();
            Stage4.sync();
            Stage4.unmountAll(table, "/", log);
            Stage4.sync();
        } else if (!made.isEmpty()) Stage4.unmountOurs(made, log);
        cgroupParent.ifPresent(p -> p.toFile().delete()); // empty by now; a leftover is harmless
    }
}

package banyan.cli;

import banyan.config.ConfigException;
import banyan.config.StackConfig;
import banyan.control.ControlServer;
import banyan.init.Action;
import banyan.init.BootSteps;
import banyan.init.Init;
import banyan.manage.Stack;
import banyan.os.Machine;
import banyan.os.Proc;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Run as PID 1 of a container or a machine: mount what is missing, bring up",
                "the stack, reap every process, and shut down in order on SIGTERM (container)",
                "or SIGINT/SIGPWR (machine). In a container, MAIN runs once the services are",
                "up, and banyan exits with MAIN's exit code. Guide: docs/init.md."})
final class InitCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE",
            description = "banyan.toml, or a directory of *.toml (default: $BANYAN_CONFIG, else ${DEFAULT-VALUE})",
            defaultValue = "${env:BANYAN_CONFIG:-banyan.toml}")
    Path file;

    @ArgGroup(exclusive = true)
    ModeChoice choice;

    static final class ModeChoice {
        @Option(names = "--container", description = "container mode, whatever the PID namespace says") boolean container;
        @Option(names = "--machine", description = "machine mode: reboot(2) at the end; needs PID 1") boolean machine;
    }

    @picocli.CommandLine.Mixin
    ServeOptions serve = new ServeOptions();

    @Option(names = FromRam.SINCE, hidden = true)
    long coreSince;

    @picocli.CommandLine.Mixin
    VarOptions vars = new VarOptions();

    @Parameters(paramLabel = "MAIN", arity = "0..*", description = "after --: the main program of a container and its arguments")
    List<String> main = List.of();

    @Override
    public Integer call() throws Exception {
        Optional<Init.Mode> forced = choice == null ? Optional.empty()
                : Optional.of(choice.machine ? Init.Mode.MACHINE : Init.Mode.CONTAINER);
        boolean pid1 = Proc.pid() == 1;
        if (forced.equals(Optional.of(Init.Mode.MACHINE)) && !pid1) {
            return Usage.error(spec, new java.io.PrintWriter(System.err, true),
                    "init --machine must be PID 1 (it reboots the machine at the end); use --container to try it out");
        }
        if (!main.isEmpty() && forced.equals(Optional.of(Init.Mode.MACHINE))) {
            return Usage.error(spec, new java.io.PrintWriter(System.err, true), "MAIN is for containers; on a machine, make it a service");
        }
        FromRam.ensure(false, coreArgs(), coreSince); // the copy runs from here, or this image goes on from the disk

        // On a machine, banyan.NAME=VALUE on the kernel's command line sets variables, as it sets [boot] keys.
        Map<String, String> kernel = pid1 && maybeMachine(forced) ? banyan.init.BootSettings.kernelWords(System.err::println) : Map.of();
        StackConfig config;
        try {
            config = vars.load(file, kernel, List.of());
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            if (!pid1 || !maybeMachine(forced)) {
                System.err.println("banyan: configuration has " + e.problems().size() + " problem(s); nothing was started");
                return Main.USAGE;
            }
            // A machine whose init exits panics: boot with no services, so the console shows this and ctrl-alt-del works.
            System.err.println("banyan: configuration has " + e.problems().size() + " problem(s); booting with no services");
            config = new StackConfig(List.of(file), Map.of(), new LinkedHashMap<>(), Map.of());
        }
        Map<String, String> boot = new LinkedHashMap<>(config.boot());
        boot.putAll(kernel);
        boolean bySteps;
        try {
            bySteps = vars.check(config, boot).active();
        } catch (ServeOptions.UsageError e) {
            System.err.println("banyan: " + e.getMessage());
            if (!pid1 || !maybeMachine(forced)) return Main.USAGE;
            System.err.println("banyan: booting without steps: the init of a machine must not exit"); // it would panic the kernel
            bySteps = false;
        }
        Console console = Console.standard(Console.width(config));
        Plane plane = new Plane(config, console);
        Init init = new Init(config, main, forced, plane.output, plane.listener, plane.pump, console::banyan);
        Optional<BootSteps> steps = bySteps ? Optional.of(new BootSteps(vars.check(config, boot),
                answers -> init.withBootTarget(vars.load(file, kernel, answers)), console::banyan)) : Optional.empty();
        steps.ifPresent(init::bootSteps);
        ControlServer[] api = {null};
        Reload[] reload = {null}; // one per stack, for SIGHUP and POST /v1/reload: one at a time, off the init thread
        init.onStack(stack -> {
            reload[0] = new Reload(file, stack, () -> {
                StackConfig c = init.withBootTarget(vars.load(file, kernel, steps.map(BootSteps::answers).orElse(List.of())));
                return steps.map(b -> b.adjust(c)).orElse(c);
            }, console);
            api[0] = serve(init, stack, plane, console, reload[0], steps);
        });
        init.onReload(() -> {
            if (reload[0] == null) console.banyan("reload: the stack is not up yet; ask again in a moment");
            else reload[0].ask();
        });
        boolean[] closed = {false};
        Runnable close = () -> { // in stage 4 (init thread), before the unmounts; again after run() in a container
            if (closed[0]) return;
            closed[0] = true;
            console.copyTo(m -> {}); // banyan's last lines go to the console only: the log file is closed
            if (api[0] != null) api[0].close();
            try {
                plane.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        init.beforeUnmount(close);
        int code = init.run();
        close.run();
        FromRam.discard();
        ConsoleSink.drainStandardStreams(Main.LAST_WORDS);
        Machine.exitNow(code); // everything is stopped: skip the JVM's exit, which lingers 300 ms on threads in native calls
        return code;
    }

    /** This command line for the copy in RAM, every path absolute. */
    private List<String> coreArgs() {
        List<String> a = new java.util.ArrayList<>(List.of("init", "-f", FromRam.absolute(file)));
        if (choice != null) a.add(choice.machine ? "--machine" : "--container");
        a.addAll(serve.args());
        a.addAll(vars.args());
        if (!main.isEmpty()) {
            a.add("--");
            a.addAll(main);
        }
        return a;
    }

    /** The control API; PID 1 goes on without it when it cannot start (the console says why). */
    private ControlServer serve(Init init, Stack stack, Plane plane, Console console, Reload reload, Optional<BootSteps> steps) {
        Consumer<Optional<String>> shutdown = action -> init.requestShutdown(action.flatMap(Action::parse).orElse(Action.POWEROFF));
        try {
            ControlServer api = serve.start(stack, plane.logs, plane.events, new ControlServer.Hooks(shutdown,
                    Optional.of(reload::call), () -> steps.flatMap(BootSteps::proceed)));
            console.banyan("control API on " + api.socket() + "; logs in " + plane.logs.dir());
            return api;
        } catch (ServeOptions.UsageError e) {
            console.banyan("no control API: " + e.getMessage() + "; banyan shutdown will not reach this banyan, use signals");
            return null;
        }
    }

    private static boolean maybeMachine(Optional<Init.Mode> forced) {
        if (forced.isPresent()) return forced.get() == Init.Mode.MACHINE;
        return System.getenv("container") == null && Machine.inInitialPidNamespace().orElse(true);
    }
}

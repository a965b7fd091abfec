package banyan.cli;

import banyan.config.ConfigException;
import banyan.config.StackConfig;
import banyan.control.ControlServer;
import banyan.manage.Stack;
import banyan.os.Proc;
import banyan.os.SignalHandlers;
import banyan.os.Signals;
import banyan.supervise.Host;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import banyan.init.BootSteps;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Run a stack in the foreground: start every service, keep them alive, and on Ctrl-C or SIGTERM",
                "stop them in reverse order and exit. A second Ctrl-C kills everything at once."})
final class UpCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "banyan.toml, or a directory of *.toml (default: ${DEFAULT-VALUE})")
    Path file = Path.of("banyan.toml");

    @Mixin
    ServeOptions serve = new ServeOptions();

    @Option(names = "--from-ram", description = {"copy the release into a tmpfs and run from there, so that no disk is held",
            "(needs a release; as a user, XDG_RUNTIME_DIR on a tmpfs). Guide: docs/core.md."})
    boolean fromRam;

    @Option(names = FromRam.SINCE, hidden = true)
    long coreSince;

    @Mixin
    VarOptions vars = new VarOptions();

    @Override
    public Integer call() throws Exception {
        if (fromRam) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("up", "--from-ram", "-f", FromRam.absolute(file)));
            args.addAll(serve.args());
            args.addAll(vars.args());
            java.util.OptionalInt refused = FromRam.ensure(true, args, coreSince);
            if (refused.isPresent()) return refused.getAsInt();
        }
        StackConfig config;
        try {
            config = vars.load(file, Map.of(), List.of());
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.err.println("banyan: configuration has " + e.problems().size() + " problem(s); nothing was started");
            return Main.USAGE;
        }
        Console console = Console.standard(Console.width(config));
        Optional<BootSteps> steps;
        try {
            steps = vars.steps(config, config.boot(), answers -> vars.load(file, Map.of(), answers), console::banyan);
        } catch (ServeOptions.UsageError e) {
            System.err.println("banyan: " + e.getMessage());
            return Main.USAGE;
        }
        int self = Proc.pid();
        if (self != 1) Proc.becomeSubreaper();
        Plane plane = new Plane(config, console);
        Host host = Host.local("banyan-" + self, plane.pump, plane.output, plane.listener);
        Optional<Path> cgroups = host.cgroupParent();
        if (cgroups.isEmpty()) console.banyan("cgroup v2 not writable here: services are tracked by process group only");
        Stack stack = new Stack(steps.map(b -> b.adjust(config)).orElse(config), host,
                new banyan.manage.RootsAt(banyan.roots.Roots.BASE, plane.roots));

        CountDownLatch stopRequested = new CountDownLatch(1);
        AtomicInteger interrupts = new AtomicInteger();
        Runnable onStop = () -> {
            if (interrupts.incrementAndGet() == 1) stopRequested.countDown();
            else {
                console.banyan("second interrupt: killing every service now");
                stack.killNow();
            }
        };
        SignalHandlers.on(Signals.INT, () -> {
            if (steps.isEmpty() || !steps.get().interrupt()) onStop.run(); // at a question, Ctrl-C means 'sh'
        });
        SignalHandlers.on(Signals.TERM, onStop);
        Reload reload = new Reload(file, stack, () -> {
            StackConfig c = vars.load(file, Map.of(), steps.map(BootSteps::answers).orElse(List.of()));
            return steps.map(b -> b.adjust(c)).orElse(c);
        }, console);
        ControlServer api;
        try {
            api = serve.start(stack, plane.logs, plane.events,
                    new ControlServer.Hooks(action -> stopRequested.countDown(), Optional.of(reload::call),
                            () -> steps.flatMap(BootSteps::proceed)));
        } catch (ServeOptions.UsageError e) {
            return Usage.error(spec, new java.io.PrintWriter(System.err, true), e.getMessage());
        }
        console.banyan("control API on " + api.socket() + "; logs in " + plane.logs.dir());
        console.banyan("starting " + config.services().size() + " service(s) from " + file + " (" + Configs.room() + ")");
        stack.up();
        steps.ifPresent(b -> b.start(stack));
        // Reload by diff on SIGHUP (one at a time, a burst coalesced); an invalid file changes nothing.
        SignalHandlers.on(Signals.HUP, reload::ask);
        Thread.ofVirtual().name("up-report").start(() -> {
            try {
                if (steps.isPresent()) steps.get().awaitDone();
                Reload.report(stack, console);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        stopRequested.await();
        console.banyan("stopping");
        stack.down();
        banyan.init.Remaining.end(false, java.time.Duration.ZERO, line -> console.banyan("after the services: " + line));
        cgroups.ifPresent(p -> p.toFile().delete());
        api.close();
        console.banyan("stopped");
        plane.close();
        FromRam.discard();
        return Main.OK;
    }
}

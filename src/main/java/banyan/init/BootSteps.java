package banyan.init;

import banyan.config.ConfigException;
import banyan.config.Problem;
import banyan.config.StackConfig;
import banyan.config.VarLayer;
import banyan.init.StepPlan.Kind;
import banyan.init.StepPlan.Step;
import banyan.manage.Stack;
import banyan.os.OsException;
import banyan.os.Reaper;
import banyan.os.Spawn;
import banyan.os.Tty;
import banyan.supervise.Host;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * A bring-up by steps (docs/boot.md): in plan order ({@link StepPlan}), each variable and each
 * service is asked about on the console (interactive), or only one step is (a pause). Services
 * start one at a time through the stack: every service not yet accepted is held, so a reload
 * meanwhile starts nothing early. Runs on its own thread, "boot-steps", which alone touches the
 * fields marked so; the stack and init's loop go on deciding while it waits for an answer.
 */
public final class BootSteps {
    /** The configuration as this server reads it, with these answers laid over the other layers. */
    public interface Loader {
        StackConfig load(List<VarLayer> answers) throws ConfigException;
    }

    /** How a bring-up asks: before every step, or only before one; and where the answers go. */
    public record Options(boolean interactive, Optional<String> pauseBefore, Optional<Path> saveAnswers) {
        public boolean active() {
            return interactive || pauseBefore.isPresent();
        }

        /** The flags, else [boot] interactive (true, yes, 1) and pause, as the kernel's command line may have set them. */
        public static Options of(boolean interactive, Optional<String> pause, Optional<Path> save, Map<String, String> boot) {
            boolean on = interactive || Set.of("true", "yes", "1", "on").contains(boot.getOrDefault("interactive", "no"));
            return new Options(on, pause.or(() -> Optional.ofNullable(boot.get("pause"))), save);
        }
    }

    private sealed interface Input {}

    private record Line(String text) implements Input {}

    private record Eof() implements Input {}

    private record Interrupt() implements Input {}

    private record Continue() implements Input {}

    private final Options options;
    private final Loader loader;
    private final Consumer<String> log;
    private final LinkedBlockingQueue<Input> inputs = new LinkedBlockingQueue<>();
    private final Map<String, String> answers = new LinkedHashMap<>(); // guarded by itself: step -> value that differs
    private final Map<String, String> before = new LinkedHashMap<>();  // boot-steps: step -> the value the configuration had
    private volatile Set<String> accepted = Set.of();                  // written by boot-steps: services it let start
    private volatile boolean finished;                                 // written by boot-steps
    private volatile String waitingAt;                                 // the step a question waits at, or null
    private volatile int shell;                                        // the pid of the shell on the console, or 0
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private ConsoleInput console;                                      // boot-steps; null without a terminal
    private boolean eof;                                               // boot-steps: accept every step from here on

    public BootSteps(Options options, Loader loader, Consumer<String> log) {
        this.options = options;
        this.loader = loader;
        this.log = log;
    }

    /** An error for a --pause-before naming no step of c, with the nearest; empty when it names one. */
    public static Optional<String> unknownStep(StackConfig c, String step) {
        Set<String> names = StepPlan.names(c);
        if (names.contains(step)) return Optional.empty();
        String near = names.contains("service." + step) ? "service." + step : banyan.config.Suggest.nearest(step, names);
        return Optional.of("--pause-before " + step + ": no such step" + (near == null ? "" : "; did you mean " + near + "?")
                + " (a step is a variable of [vars] or service.NAME)");
    }

    /** c as the bring-up lets it run: while it goes on, every service it has not let start is held. */
    public StackConfig adjust(StackConfig c) {
        if (finished) return c;
        Set<String> held = new HashSet<>(c.services().keySet());
        held.removeAll(accepted);
        held.addAll(c.held());
        return c.withHeld(held);
    }

    /** The answers so far, as the top layer of variables. */
    public List<VarLayer> answers() {
        synchronized (answers) {
            return answers.isEmpty() ? List.of() : List.of(VarLayer.of(VarLayer.Kind.ANSWER, answers));
        }
    }

    /** Starts the bring-up on its own thread; the stack runs the configuration {@link #adjust} made. */
    public void start(Stack stack) {
        Thread.ofVirtual().name("boot-steps").start(() -> {
            try {
                run(stack);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | ConfigException e) {
                log.accept("boot steps: " + e.getMessage() + "; bringing up the rest without questions");
            } finally {
                finish(stack);
            }
        });
    }

    /** Returns once every step was taken (and the target was handed to the stack whole). */
    public void awaitDone() throws InterruptedException {
        try {
            done.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** `banyan continue`: accepts the step a question waits at; empty when none waits. */
    public Optional<String> proceed() {
        String at = waitingAt;
        if (at != null) inputs.offer(new Continue());
        return Optional.ofNullable(at);
    }

    /** SIGINT (Ctrl-C): at a question it means 'sh'; while the shell runs it goes to the shell. False: not for us. */
    public boolean interrupt() {
        int pid = shell;
        if (pid > 0) {
            Reaper.get().signalGroup(pid, banyan.os.Signals.INT);
            return true;
        }
        if (waitingAt == null) return false;
        inputs.offer(new Interrupt());
        return true;
    }

    private void run(Stack stack) throws InterruptedException, ConfigException {
        boolean terminal = Tty.isTerminal(0);
        boolean interactive = options.interactive() && terminal;
        if (options.interactive() && !terminal)
            log.accept("interactive: stdin is not a terminal; bringing up without questions"
                    + options.pauseBefore().map(p -> " (pausing before " + p + " all the same)").orElse(""));
        if (terminal) console = new ConsoleInput(l -> inputs.offer(l == null ? new Eof() : new Line(l)));
        Set<String> taken = new HashSet<>();
        while (true) {
            StackConfig c = loader.load(answers());
            Optional<Step> next = StepPlan.of(c).stream().filter(s -> !taken.contains(s.name())).findFirst();
            if (next.isEmpty()) return;
            Step step = next.get();
            taken.add(step.name());
            if (step.kind() == Kind.SKIPPED) {
                log.accept("step " + step.name() + " skipped: " + step.value());
                continue;
            }
            boolean ask = !eof && (interactive || options.pauseBefore().equals(Optional.of(step.name())));
            String answer = ask ? ask(step, interactive, terminal) : "";
            if (step.kind() == Kind.VARIABLE) {
                String value = answer.equals("clear") ? "" : answer;
                if (!answer.isEmpty() && !value.equals(step.value())) answer(step, value);
                continue;
            }
            if (answer.equals("clear")) {
                answer(step, "clear");
                log.accept("step " + step.name() + " cleared: it stays down");
                continue;
            }
            Set<String> more = new HashSet<>(accepted);
            more.add(step.service());
            accepted = Set.copyOf(more);
            startAndWait(stack, step.service());
        }
    }

    private void answer(Step step, String value) {
        before.put(step.name(), step.value());
        synchronized (answers) {
            answers.put(step.name(), value);
        }
        options.saveAnswers().ifPresent(f -> SavedAnswers.write(f, snapshot(), before, log));
    }

    private Map<String, String> snapshot() {
        synchronized (answers) {
            return new LinkedHashMap<>(answers);
        }
    }

    /** Lets one more service start, and waits until it is up, failed or skipped (bounded by its start timeout). */
    private void startAndWait(Stack stack, String name) throws InterruptedException, ConfigException {
        StackConfig c = adjust(loader.load(answers()));
        try {
            stack.reload(c);
        } catch (Stack.GoingDown e) {
            throw new InterruptedException("banyan is stopping");
        }
        Duration limit = c.services().get(name).readiness().startTimeout().orElse(Duration.ofSeconds(60)).plusSeconds(10);
        Optional<Map<String, String>> out = stack.awaitUp(limit);
        if (out.isEmpty()) log.accept("step service." + name + ": not up after " + limit.toSeconds() + "s; going on");
        else log.accept("step service." + name + ": " + out.get().getOrDefault(name, "ready"));
    }

    /** Asks until the answer is taken: "" to accept, "clear", or a new value that loads. */
    private String ask(Step step, boolean interactive, boolean terminal) throws InterruptedException {
        while (true) {
            inputs.clear(); // an interrupt from before this question is not an answer to it
            waitingAt = step.name(); // before the question shows: a Ctrl-C or a continue as soon as it does is for it
            if (console != null) console.want(true);
            if (!interactive) log.accept("paused before " + step.name() + (terminal ? "; answer below, or" : ";")
                    + " run `banyan continue` (POST /v1/boot/continue) to go on");
            log.accept(step.name() + " = " + step.value() + " : accept, new value, 'clear', or 'sh'");
            Input in = inputs.take();
            if (console != null) console.want(false);
            waitingAt = null;
            switch (in) {
                case Continue c -> {
                    log.accept("step " + step.name() + ": continued (banyan continue)");
                    return "";
                }
                case Eof e -> {
                    eof = true;
                    log.accept("console: end of input; accepting " + step.name() + " and every step after it");
                    return "";
                }
                case Interrupt i -> shell(step);
                case Line l -> {
                    String text = l.text().strip();
                    if (text.isEmpty() || text.equals("clear")) return text;
                    if (text.equals("sh")) shell(step);
                    else if (step.kind() == Kind.SERVICE)
                        log.accept(step.name() + ": '" + text + "' is not an answer here; press Enter to start it, or type 'clear' or 'sh'");
                    else if (valid(step, text)) return text;
                }
            }
        }
    }

    /** Whether the configuration loads with this value; if not, says why, and the question comes again. */
    private boolean valid(Step step, String value) {
        Map<String, String> trial = snapshot();
        trial.put(step.name(), value);
        try {
            loader.load(List.of(VarLayer.of(VarLayer.Kind.ANSWER, trial)));
            return true;
        } catch (ConfigException e) {
            for (Problem p : e.problems()) log.accept(step.name() + " = " + value + ": " + p);
            log.accept(step.name() + ": not taken; answer again");
            return false;
        }
    }

    /** /bin/sh on the console, until it exits. The core's rescue shell takes its place once the core exists. */
    private void shell(Step step) throws InterruptedException {
        log.accept("sh: a shell on the console; exit it to come back to " + step.name());
        CompletableFuture<Reaper.Exit> exit = new CompletableFuture<>();
        List<String> env = new ArrayList<>();
        Host.inheritedEnvironment().forEach((k, v) -> env.add(k + "=" + v));
        try {
            shell = Reaper.get().spawn(new Spawn.Spec("/bin/sh", List.of("sh"), env, Optional.empty(), Map.of(0, 0, 1, 1, 2, 2)),
                    exit::complete);
            log.accept("sh: " + exit.get().describe());
        } catch (OsException e) {
            log.accept("sh: cannot start /bin/sh: " + e.getMessage());
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            shell = 0;
        }
    }

    /** The whole target, with only what was cleared held; then the answers file and the end of the steps. */
    private void finish(Stack stack) {
        finished = true;
        try {
            stack.reload(loader.load(answers()));
        } catch (ConfigException | Stack.GoingDown | RuntimeException e) {
            log.accept("boot steps: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        options.saveAnswers().ifPresent(f -> SavedAnswers.write(f, snapshot(), before, log));
        log.accept("boot steps: done" + (snapshot().isEmpty() ? "" : "; answers " + snapshot()));
        done.complete(null);
    }
}

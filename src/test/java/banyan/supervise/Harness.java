package banyan.supervise;

import banyan.config.ConfigLoader;
import banyan.config.StackConfig;
import banyan.manage.Stack;
import banyan.os.Cgroup;
import banyan.os.Proc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real stack of real processes, with every output line and state change recorded. */
final class Harness implements AutoCloseable {
    record Change(String service, String from, String to, int pid, long nanos) {}

    static final LogPump PUMP = new LogPump();
    static {
        Proc.becomeSubreaper();
    }

    final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    final List<Change> changes = Collections.synchronizedList(new ArrayList<>());
    final Stack stack;
    final Optional<Path> cgroups;

    Harness(String toml) throws Exception {
        this(toml, true);
    }

    Harness(String toml, boolean useCgroups) throws Exception {
        this(toml, useCgroups, Optional.of(Path.of(System.getProperty("banyan.exec"))));
    }

    Harness(String toml, boolean useCgroups, Optional<Path> execHelper) throws Exception {
        Path file = Files.createTempFile("banyan-test", ".toml");
        Files.writeString(file, toml);
        StackConfig config = ConfigLoader.load(file);
        cgroups = useCgroups ? Cgroup.parentForInstance("banyan-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime()) : Optional.empty();
        Host host = new Host(System.getenv(), cgroups, execHelper, PUMP,
                (service, stream, text, split) -> lines.add(service + " " + stream + " " + text),
                (before, now) -> changes.add(new Change(now.name(), before.state().wire(), now.state().wire(), now.pid(), System.nanoTime())));
        stack = new Stack(config, host);
    }

    /** Starts a service through the stack, which owns what is wanted. */
    void start(String name) {
        stack.start(name);
    }

    void stop(String name) {
        stack.stop(name);
    }

    Supervisor svc(String name) {
        return stack.get(name).orElseThrow();
    }

    void await(String name, Predicate<ServiceStatus> condition, Duration limit) throws InterruptedException {
        assertTrue(svc(name).await(condition, limit), name + " did not reach the condition within " + limit + "; now " + svc(name).status());
    }

    void awaitLine(String text, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            synchronized (lines) {
                if (lines.stream().anyMatch(l -> l.contains(text))) return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no output line containing '" + text + "' within " + limit + "; got " + lines);
    }

    List<Change> changesOf(String name) {
        synchronized (changes) {
            return changes.stream().filter(c -> c.service().equals(name)).toList();
        }
    }

    @Override
    public void close() throws Exception {
        stack.down();
        cgroups.ifPresent(p -> p.toFile().delete());
    }

    static boolean alive(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (java.io.IOException e) {
            return false;
        }
    }

    static boolean root() {
        return Proc.uid() == 0;
    }
}

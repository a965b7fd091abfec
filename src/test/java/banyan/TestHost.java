package banyan;

import banyan.config.ConfigLoader;
import banyan.config.StackConfig;
import banyan.os.Cgroup;
import banyan.os.Proc;
import banyan.supervise.Host;
import banyan.supervise.LogPump;
import banyan.supervise.ServiceStatus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** A Host for tests: services' lines and state changes are kept (and echoed, for failing runs). */
public final class TestHost {
    private static final java.util.concurrent.atomic.AtomicInteger COUNT = new java.util.concurrent.atomic.AtomicInteger();
    public final List<String> lines = new CopyOnWriteArrayList<>();
    public final List<ServiceStatus> changes = new CopyOnWriteArrayList<>();
    public final Host host;

    public TestHost() {
        Proc.becomeSubreaper();
        Optional<Path> cg = Cgroup.parentForInstance("banyan-test-" + Proc.pid() + "-" + COUNT.incrementAndGet());
        // the tests' stacks remove their services' cgroups when they end; the parent goes when the JVM does
        cg.ifPresent(p -> Runtime.getRuntime().addShutdownHook(new Thread(() -> p.toFile().delete())));
        Optional<Path> helper = Optional.ofNullable(System.getProperty("banyan.exec")).map(Path::of);
        host = new Host(System.getenv(), cg, helper, new LogPump(), (service, stream, text, split) -> {
            lines.add(service + ": " + text);
            System.out.println(service + " | " + text);
        }, (before, now) -> {
            synchronized (changes) {
                changes.add(now);
                changes.notifyAll();
            }
            System.out.println(now.name() + " * " + before.state() + " -> " + now.state() + " pid=" + now.pid() + " " + now.reason());
        });
    }

    /** The first recorded change that matches, waiting for it (the listener runs just after a status is published). */
    public ServiceStatus awaitChange(java.util.function.Predicate<ServiceStatus> p, java.time.Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        synchronized (changes) {
            while (true) {
                for (ServiceStatus c : changes) if (p.test(c)) return c;
                long left = end - System.nanoTime();
                if (left <= 0) throw new AssertionError("no such state change within " + timeout + ": " + changes);
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(changes, left);
            }
        }
    }

    public static StackConfig config(Path dir, String toml) throws Exception {
        Path f = dir.resolve("banyan.toml");
        Files.writeString(f, toml);
        return ConfigLoader.load(f);
    }
}

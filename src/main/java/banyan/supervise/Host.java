package banyan.supervise;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What every supervisor of one banyan shares: the environment services inherit, where their
 * cgroups go, the exec step, the log pump, where their output and state changes are sent, and
 * where roots are seen.
 */
public record Host(Map<String, String> baseEnv, Optional<Path> cgroupParent, Optional<Path> execHelper,
                   LogPump pump, Output output, Listener listener, Path roots) {
    public Host {
        baseEnv = Map.copyOf(baseEnv);
    }

    /** Roots seen where banyan puts them (RootConfig.PLACES). */
    public Host(Map<String, String> baseEnv, Optional<Path> cgroupParent, Optional<Path> execHelper, LogPump pump, Output output,
                Listener listener) {
        this(baseEnv, cgroupParent, execHelper, pump, output, listener, banyan.config.RootConfig.PLACES);
    }

    /**
     * The host of one banyan on this machine, for `up` and `init` alike: its environment, its
     * services' cgroups under one named for instance (where cgroup v2 is writable here), and the
     * exec step the launcher names.
     */
    public static Host local(String instance, LogPump pump, Output output, Listener listener) {
        Optional<Path> cgroups = banyan.os.Cgroup.parentForInstance(instance).filter(java.nio.file.Files::isWritable);
        Optional<Path> exec = Optional.ofNullable(System.getProperty("banyan.exec")).map(Path::of);
        return new Host(inheritedEnvironment(), cgroups, exec, pump, output, listener);
    }

    /** banyan's own environment, less what its launcher set for the JVM alone: what services inherit. */
    public static Map<String, String> inheritedEnvironment() {
        var env = new java.util.HashMap<>(System.getenv());
        env.remove("MALLOC_ARENA_MAX");
        return Map.copyOf(env); // immutable: services without env or user of their own share it
    }

    /** A line of a service's output; stream is "out" or "err". */
    public interface Output {
        void line(String service, String stream, String text, boolean split);
    }

    /** A state change; called on the service's own thread, so it must not block. */
    public interface Listener {
        void changed(ServiceStatus before, ServiceStatus now);
    }
}

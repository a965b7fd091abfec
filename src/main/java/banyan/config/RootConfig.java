package banyan.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A root (`[root.NAME]`, design.md section 6): candidate sources tried in order, how it is
 * watched, and how long an acquisition may take. Equality without the place is what a reload
 * compares ({@link #sameAs}); sources carry no place, so two equal definitions are equal.
 *
 * @param acquireTimeout a source not mounted (and probed) by then is abandoned and the next is tried
 * @param failback       return to an earlier source once it probes healthy again
 */
public record RootConfig(String name, List<Source> sources, Optional<RootProbe> probe, Duration acquireTimeout,
                         boolean failback, Place place) {
    public static final Duration DEFAULT_ACQUIRE_TIMEOUT = Duration.ofSeconds(10);

    public RootConfig {
        sources = List.copyOf(sources);
    }

    /** Where banyan puts roots: a root NAME is seen at PLACES/NAME. */
    public static final java.nio.file.Path PLACES = java.nio.file.Path.of("/run/banyan/roots");

    public boolean sameAs(RootConfig o) {
        return name.equals(o.name) && sources.equals(o.sources) && probe.equals(o.probe)
                && acquireTimeout.equals(o.acquireTimeout) && failback == o.failback;
    }

    /** The source of that name, with its position in the list. */
    public Optional<Integer> indexOf(String source) {
        for (int i = 0; i < sources.size(); i++) if (sources.get(i).name().equals(source)) return Optional.of(i);
        return Optional.empty();
    }

    /** One candidate: exactly one kind. Its name defaults to its position in the list, from 1. */
    public sealed interface Source {
        String name();

        /** The key that gave its kind: bind, device, command or archive. */
        String kind();
    }

    /** A directory or an existing mount, bound (recursively) at the root's place. */
    public record Bind(String name, String path) implements Source {
        public String kind() {
            return "bind";
        }
    }

    /** mount(2) of a block device, or of an image file through a loop device. */
    public record Device(String name, String device, String fsType, String options) implements Source {
        public String kind() {
            return "device";
        }
    }

    /** Any mount helper, with {target} replaced by where it must mount; done when that is a mount point. */
    public record Command(String name, List<String> argv) implements Source {
        public static final String TARGET = "{target}";

        public Command {
            argv = List.copyOf(argv);
        }

        public List<String> argv(String target) {
            return argv.stream().map(a -> a.replace(TARGET, target)).toList();
        }

        public String kind() {
            return "command";
        }
    }

    /** A tar or tar.gz unpacked into a fresh tmpfs of size bytes: a RAM root. */
    public record Archive(String name, String archive, long size) implements Source {
        public String kind() {
            return "archive";
        }
    }

    /**
     * The core root's content (`[core]`): files copied, with their parent directories, into a fresh
     * tmpfs of size bytes. files is what `copy` names plus the interpreter and libraries of each program.
     */
    public record Core(String name, List<String> files, long size) implements Source {
        public Core {
            files = List.copyOf(files);
        }

        public String kind() {
            return "copy";
        }
    }
}

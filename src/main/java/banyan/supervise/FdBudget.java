package banyan.supervise;

import banyan.config.Probe;
import banyan.config.ServiceConfig;
import banyan.config.StackConfig;
import banyan.os.OpenFiles;

import java.util.Optional;

/**
 * The file descriptors a stack holds in banyan, counted from what a supervisor opens, against
 * RLIMIT_NOFILE: a stack that cannot fit is refused before anything starts, rather than failing
 * spawns with EMFILE once it runs.
 */
public final class FdBudget {
    private FdBudget() {}

    /** banyan's own: the JVM's jars and epolls, the control API's connections (64), the reaper, spare for spawns. */
    static final int RESERVE = 256;

    /** What one service keeps open in banyan for its whole life, and what its instance adds. */
    static int of(ServiceConfig s) {
        int fds = 4; // stdout and stderr pipes, both ends held across restarts
        fds += s.logger().isPresent() ? 2 + 4 : 1; // the logger's pipe and its own stdio pipes; else the log file
        fds += s.readiness().probe().map(p -> switch (p) {
            case Probe.Notify n -> 1; // its datagram socket
            case Probe.Fd f -> 1;     // the read end of the readiness pipe
            default -> 0;
        }).orElse(0);
        return fds;
    }

    public static int need(StackConfig c) {
        return RESERVE + c.services().values().stream().mapToInt(FdBudget::of).sum();
    }

    /** How many plain services fit in limit (what banyan says at start). */
    public static long room(OpenFiles.Limit limit) {
        return Math.max(0, (limit.soft() - RESERVE) / 5);
    }

    /** Why c does not fit in limit, or empty when it does. */
    public static Optional<String> problem(StackConfig c, OpenFiles.Limit limit) {
        int need = need(c);
        if (need <= limit.soft()) return Optional.empty();
        return Optional.of(c.services().size() + " service(s) need about " + need + " file descriptors in banyan, and its limit"
                + " (RLIMIT_NOFILE) is " + limit.soft() + (limit.hard() > limit.soft() ? " (hard " + limit.hard() + ")" : "")
                + ": raise it (ulimit -n, or LimitNOFILE= of what starts banyan) or run fewer services");
    }
}

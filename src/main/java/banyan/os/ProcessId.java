package banyan.os;

/**
 * A process as /proc showed it: pid and start time (clock ticks since boot). PID 1 and a subreaper
 * reap orphans, so a pid seen a moment ago may already name another process; the pair does not.
 */
public record ProcessId(int pid, long startTime) {}

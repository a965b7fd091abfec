package banyan.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The fields of /proc/PID/stat that banyan reads, parsed in this one place. */
record ProcStat(int pid, int ppid, int session, long flags, long startTime) {
    /** PF_KTHREAD: signals do not end kernel threads, and they never exit. */
    static final long PF_KTHREAD = 0x00200000;

    /** The stat of pid, or empty when it is gone (or not ours to read). */
    static Optional<ProcStat> of(int pid) {
        try {
            return Optional.of(parse(Files.readString(Path.of("/proc", Integer.toString(pid), "stat"))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * pid (comm) state ppid pgrp session tty tpgid flags ... starttime (field 22). The command name
     * may hold spaces and parentheses, so fields are counted from the last ')'.
     */
    static ProcStat parse(String line) {
        int pid = Integer.parseInt(line.substring(0, line.indexOf(' ')));
        String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ", 21);
        return new ProcStat(pid, Integer.parseInt(f[1]), Integer.parseInt(f[3]), Long.parseLong(f[6]), Long.parseLong(f[19]));
    }

    boolean kernelThread() {
        return (flags & PF_KTHREAD) != 0;
    }

    ProcessId id() {
        return new ProcessId(pid, startTime);
    }
}

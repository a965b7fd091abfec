package banyan.os;

/** A failed system call: names the call, the object it acted on and the reason (strerror). */
public final class OsException extends RuntimeException {
    private final int errno;

    OsException(String call, String object, int errno) {
        super(call + (object.isEmpty() ? "" : "(" + object + ")") + ": " + Native.strerror(errno));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }

    /**
     * Whether the call failed for a shortage that passes by itself, so that the same call may
     * succeed later: EAGAIN (the process limit of a user or a cgroup, RLIMIT_NPROC at execve),
     * ENOMEM (memory), EMFILE and ENFILE (file descriptors of the process or the system). Any
     * other errno is permanent: ENOENT (no such program or directory), EACCES and EPERM (not
     * allowed), ENOEXEC (not an executable), E2BIG, ENOTDIR, ELOOP... stay until someone fixes
     * the system or the configuration, so trying again cannot help.
     */
    public boolean temporary() {
        return errno == EAGAIN || errno == ENOMEM || errno == EMFILE || errno == ENFILE;
    }

    /** Errno values callers decide on; the rest are reported as they are. */
    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, ENOEXEC = 8, ECHILD = 10, EAGAIN = 11, ENOMEM = 12,
            EACCES = 13, EINVAL = 22, ENFILE = 23, EMFILE = 24;
}

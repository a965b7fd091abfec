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

    /** Errno values callers decide on; the rest are reported as they are. */
    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EAGAIN = 11, EACCES = 13, ECHILD = 10, EINVAL = 22;
}

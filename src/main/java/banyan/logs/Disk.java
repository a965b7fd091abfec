package banyan.logs;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Where a log file's system calls run: on platform threads of a pool that grows as needed and
 * shrinks when idle. A virtual thread blocked in a file's write(2) keeps its carrier, and the
 * scheduler has only as many carriers as cores: two files on a frozen disk stopped every virtual
 * thread of banyan (supervisors, the stack, the API) on a two-core machine. The caller, a virtual
 * thread, waits for the call parked, which frees its carrier; a frozen disk then costs one
 * platform thread per file blocked on it.
 */
final class Disk {
    interface Call<T> {
        T call() throws IOException;
    }

    private static final ExecutorService POOL = Executors.newCachedThreadPool(
            Thread.ofPlatform().name("banyan-disk-", 0).daemon(true).stackSize(256 << 10).factory());

    private Disk() {}

    static <T> T run(Call<T> call) throws IOException {
        if (!Thread.currentThread().isVirtual()) return call.call();
        Future<T> f = POOL.submit(call::call);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the write goes on regardless; its outcome is what the caller needs
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }
}

package banyan.cli;

import banyan.config.ConfigException;
import banyan.config.StackConfig;
import banyan.manage.Stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The reloads of one running stack, asked for by SIGHUP and by POST /v1/reload: re-read the file,
 * validate it whole, apply it by diff. One runs at a time, on one thread, and requests that arrive
 * meanwhile are coalesced into the next run, which reads the file after all of them. So a run never
 * reads a file older than a request it serves, and a burst ends in the state of the file as it was
 * after its last request. Every run says its outcome on the console.
 */
final class Reload {
    private final Path file;
    private final Stack stack;
    private final Loader loader;
    private final Console console;
    private long asked, served;       // guarded by this: requests so far; requests served by the runs finished so far
    private boolean running;          // guarded by this: a worker thread is on its way
    private Outcome last;             // guarded by this: the outcome of the last finished run
    private long applied;             // guarded by this: runs that changed the stack, for the report
    private boolean reporting;        // guarded by this: a report thread waits for the bring-up to settle

    /** A new file that cannot be applied; the message lists its problems. */
    static final class Rejected extends Exception {
        Rejected(String message) {
            super(message);
        }
    }

    private record Outcome(String summary, String rejected) {}

    /** Reads the configuration as this server runs it: its file with the variables' layers, and what init or a bring-up by steps adjusts. */
    interface Loader {
        StackConfig load() throws ConfigException;
    }

    Reload(Path file, Stack stack, Loader loader, Console console) {
        this.file = file;
        this.stack = stack;
        this.loader = loader;
        this.console = console;
    }

    /** SIGHUP: asks for a reload and returns at once. */
    void ask() {
        request();
    }

    /** POST /v1/reload: the one-line summary of a run that read the file after this call. */
    String call() throws Rejected, InterruptedException {
        long ticket = request();
        Outcome o;
        synchronized (this) {
            while (served < ticket) wait();
            o = last;
        }
        if (o.rejected() != null) throw new Rejected(o.rejected());
        return o.summary();
    }

    private synchronized long request() {
        long ticket = ++asked;
        if (!running) {
            running = true;
            Thread.ofVirtual().name("reload").start(this::work);
        }
        return ticket;
    }

    private void work() {
        while (true) {
            long serves;
            synchronized (this) {
                if (served == asked) {
                    running = false;
                    return;
                }
                serves = asked; // this run reads the file after each of these requests
            }
            Outcome o = once();
            synchronized (this) {
                served = serves;
                last = o;
                notifyAll();
            }
        }
    }

    private Outcome once() {
        try {
            String summary = apply();
            console.banyan(summary);
            reportOnceSettled();
            return new Outcome(summary, null);
        } catch (Rejected e) {
            e.getMessage().lines().forEach(console::banyan);
            return new Outcome(null, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(null, "reload interrupted; ask again");
        } catch (RuntimeException | StackOverflowError e) { // a bug, or a file that defeats the parser: later reloads still work
            String why = "reload of " + file + " failed: " + e;
            console.banyan(why);
            return new Outcome(null, why);
        }
    }

    /** Re-reads the file and applies it by diff; returns a one-line summary. An invalid file changes nothing. */
    private String apply() throws Rejected, InterruptedException {
        StackConfig next;
        try {
            next = loader.load();
        } catch (ConfigException e) {
            throw new Rejected(e.getMessage() + "\nreload rejected: " + e.problems().size() + " problem(s) in " + file
                    + "; the running stack is unchanged");
        }
        Stack.Diff d;
        java.util.List<String> vars = next.vars().changedSince(stack.config().vars());
        try {
            d = stack.reload(next);
        } catch (Stack.GoingDown e) {
            throw new Rejected(e.getMessage());
        }
        return "reloaded " + file + ": added " + d.added() + ", removed " + d.removed() + ", restarted " + d.changed()
                + ", unchanged " + d.unchanged().size() + (vars.isEmpty() ? "" : "; variables changed: " + String.join(", ", vars));
    }

    /** One report thread at a time: a reload while it waits is covered by its report, or by one more. */
    private void reportOnceSettled() {
        synchronized (this) {
            applied++;
            if (reporting) return;
            reporting = true;
        }
        Thread.ofVirtual().name("reload-report").start(() -> {
            while (true) {
                long seen;
                synchronized (this) {
                    seen = applied;
                }
                report(stack, console);
                synchronized (this) {
                    if (applied == seen) {
                        reporting = false;
                        return;
                    }
                }
            }
        });
    }

    /** Prints, once the bring-up has settled, every wanted service's outcome (ready, failed, skipped). */
    static void report(Stack stack, Console console) {
        try {
            Optional<Map<String, String>> out = stack.awaitUp(Duration.ofDays(365));
            if (out.isEmpty()) return;
            long ready = out.get().values().stream().filter("ready"::equals).count();
            StringBuilder b = new StringBuilder("up: " + ready + " of " + out.get().size() + " ready");
            new TreeMap<>(out.get()).forEach((n, o) -> { if (!o.equals("ready")) b.append("; ").append(n).append(" ").append(o); });
            console.banyan(b.toString());
            banyan.os.Proc.returnFreeMemory(); // what bring-up made the heap and malloc grow (docs/benchmarks.md)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

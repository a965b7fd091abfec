package banyan.cli;

import banyan.config.ConfigException;
import banyan.config.ConfigLoader;
import banyan.config.StackConfig;
import banyan.manage.Stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/** What `banyan up` does on SIGHUP (re-read the file, apply it by diff) and how it reports a bring-up. */
final class Reload {
    private Reload() {}

    /** A new file that cannot be applied; the message lists its problems. */
    static final class Rejected extends Exception {
        Rejected(String message) {
            super(message);
        }
    }

    /** Re-reads file and applies it by diff; returns a one-line summary. An invalid file changes nothing. */
    static String apply(Path file, Stack stack) throws Rejected, InterruptedException {
        return apply(file, stack, c -> c);
    }

    /** adjust: what init changes in every configuration it runs (the boot target of this boot). */
    static String apply(Path file, Stack stack, UnaryOperator<StackConfig> adjust) throws Rejected, InterruptedException {
        StackConfig next;
        try {
            next = adjust.apply(ConfigLoader.load(file));
        } catch (ConfigException e) {
            throw new Rejected(e.getMessage() + "\nreload rejected: " + e.problems().size() + " problem(s) in " + file
                    + "; the running stack is unchanged");
        }
        Stack.Diff d = stack.reload(next);
        return "reloaded " + file + ": added " + d.added() + ", removed " + d.removed() + ", restarted " + d.changed()
                + ", unchanged " + d.unchanged().size();
    }

    /** SIGHUP: apply, print the outcome and, once settled, the bring-up report. */
    static void run(Path file, Stack stack, Console console) {
        run(file, stack, c -> c, console);
    }

    static void run(Path file, Stack stack, UnaryOperator<StackConfig> adjust, Console console) {
        try {
            console.banyan(apply(file, stack, adjust));
            report(stack, console);
        } catch (Rejected e) {
            e.getMessage().lines().forEach(console::banyan);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

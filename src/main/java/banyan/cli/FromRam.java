package banyan.cli;

import banyan.init.RamCore;
import banyan.os.Proc;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The step before a server starts anything: copy the release into RAM and exec the copy
 * (init always, up with --from-ram). The copy finds itself already there and goes on.
 */
final class FromRam {
    private FromRam() {}

    /** Hidden option the first image passes to the copy: when the copy began (epoch ms), for the console's account. */
    static final String SINCE = "--core-since";

    /**
     * Returns empty to go on (already in RAM, or init where RAM is not possible: said on stderr),
     * or the exit code when up --from-ram cannot have it. On success it never returns: the copy runs.
     *
     * @param args the command line for the copy, every path in it absolute (the copy starts in /)
     */
    static OptionalInt ensure(boolean required, List<String> args, long since) {
        Path release;
        try {
            release = RamCore.release();
        } catch (RamCore.Refused e) {
            return refused(required, e, Main.USAGE);
        }
        if (RamCore.isCore(release)) {
            String took = since > 0 ? ", " + (System.currentTimeMillis() - since) + " ms after the copy began" : "";
            System.err.println("banyan: running from RAM in " + release + took);
            return OptionalInt.empty();
        }
        try {
            int uid = Proc.uid();
            Path core = RamCore.place(uid, Proc.pid(), System.getenv());
            if (uid == 0 && !required) RamCore.runOnTmpfs(line -> System.err.println("banyan: " + line));
            long start = System.currentTimeMillis();
            RamCore.Copy copy = RamCore.copy(release, core, uid == 0);
            System.err.println("banyan: " + RamCore.describe(copy) + "; running the copy");
            List<String> argv = new ArrayList<>(args);
            argv.add(1, SINCE + "=" + start);
            throw RamCore.exec(core, argv, Map.copyOf(System.getenv()));
        } catch (RamCore.Refused e) {
            return refused(required, e, Main.FAILED);
        }
    }

    private static OptionalInt refused(boolean required, RamCore.Refused e, int code) {
        if (required) {
            System.err.println("banyan: --from-ram: " + e.getMessage());
            return OptionalInt.of(code);
        }
        // PID 1 boots from the disk rather than not at all
        System.err.println("banyan: not running from RAM: " + e.getMessage());
        return OptionalInt.empty();
    }

    /** At exit: the copy this banyan runs from, unless it is PID 1's, goes (RamCore.discard). */
    static void discard() {
        try {
            Path home = RamCore.release();
            if (RamCore.isCore(home)) RamCore.discard(home, Proc.uid() == 0);
        } catch (RamCore.Refused e) {
            // not a release: nothing was copied
        }
    }

    static String absolute(Path p) {
        return p.toAbsolutePath().normalize().toString();
    }
}

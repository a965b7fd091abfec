package banyan.manage;

import banyan.config.ServiceConfig;
import banyan.config.StackConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** A reload applied to the entries of the stack, on the stack thread: what is added, dropped, replaced, kept. */
final class ReloadDiff {
    private ReloadDiff() {}

    /** Marks each entry for the next file and adds its new services (opened by open); the stack then rebuilds. */
    static Stack.Diff apply(Map<String, Entry> entries, StackConfig next, Function<ServiceConfig, Entry> open) {
        List<String> added = new ArrayList<>(), removed = new ArrayList<>(), changed = new ArrayList<>(), same = new ArrayList<>();
        Set<String> target = next.closure(next.bootTarget());
        for (var en : entries.entrySet()) {
            ServiceConfig n = next.services().get(en.getKey());
            Entry e = en.getValue();
            if (n == null) {
                if (!e.removing) removed.add(en.getKey()); // else already on its way out: the file before dropped it
                e.removing = true;
                e.replacement = Optional.empty();
                e.wanted = e.pending = false;
                continue;
            }
            // Compared with what its supervisor runs: a replacement that a reload before asked for is
            // cancelled when this file brings the running config back.
            boolean keeps = n.sameAs(e.supervisor.config());
            (e.removing ? added : keeps ? same : changed).add(en.getKey());
            e.removing = false; // brought back before it was gone
            e.replacement = keeps ? Optional.empty() : Optional.of(n);
            e.config = n;
            boolean want = target.contains(en.getKey());
            e.pending = want && (e.pending || !e.wanted);
            e.wanted = want;
        }
        for (ServiceConfig s : next.services().values()) {
            if (entries.containsKey(s.name())) continue;
            added.add(s.name());
            Entry e = open.apply(s);
            e.wanted = e.pending = target.contains(s.name());
            entries.put(s.name(), e);
        }
        return new Stack.Diff(added, removed, changed, same);
    }

    /**
     * Stack thread: closes removed services and replaces changed ones once they are down (a reload
     * left them to do). Returns how many were swapped, and how many must wait for the next change.
     */
    static int[] swap(Map<String, Entry> entries, Retired retired, Function<ServiceConfig, banyan.supervise.Supervisor> open) {
        int swapped = 0, waiting = 0;
        for (var it = entries.entrySet().iterator(); it.hasNext(); ) {
            Entry e = it.next().getValue();
            if (!e.swapDue()) continue;
            if (!e.settledDown()) {
                waiting++;
                continue;
            }
            e.supervisor.close();
            retired.add(e.supervisor);
            if (e.removing) it.remove();
            else {
                e.supervisor.awaitClosed(); // its successor takes over the name and the cgroup
                e.supervisor = open.apply(e.replacement.get());
                e.replacement = Optional.empty();
                e.pending = e.wanted;
            }
            swapped++;
        }
        return new int[] {swapped, waiting};
    }
}

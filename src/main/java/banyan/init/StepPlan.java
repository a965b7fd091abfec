package banyan.init;

import banyan.config.ServiceConfig;
import banyan.config.StackConfig;
import banyan.config.Vars;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The steps of a bring-up in plan order: the variables [boot] and the rest of the file use, then
 * for each service of the target in dependency order the variables it uses (not yet asked) and
 * the service itself. A service that requires one left down is a skipped step. Pure: no I/O.
 */
final class StepPlan {
    private StepPlan() {}

    enum Kind { VARIABLE, SERVICE, SKIPPED }

    /** @param value a variable's value; "start" for a service; for a skipped service, why */
    record Step(String name, Kind kind, String value) {
        String service() {
            return name.substring("service.".length());
        }
    }

    static List<Step> of(StackConfig c) {
        String target = c.bootTarget();
        Set<String> runs = c.closure(target);
        List<String> order = order(c, c.pulledIn(target));
        List<Step> out = new ArrayList<>();
        Set<String> listed = new HashSet<>();
        for (Vars.Var v : c.vars().all().values())
            if (v.usedBy().stream().anyMatch(u -> !u.startsWith("service.")) && listed.add(v.name()))
                out.add(new Step(v.name(), Kind.VARIABLE, v.value()));
        for (String s : order) {
            if (!runs.contains(s)) {
                out.add(new Step("service." + s, Kind.SKIPPED, why(c, s, runs)));
                continue;
            }
            for (Vars.Var v : c.vars().all().values())
                if (v.usedBy().contains("service." + s) && listed.add(v.name())) out.add(new Step(v.name(), Kind.VARIABLE, v.value()));
            out.add(new Step("service." + s, Kind.SERVICE, "start"));
        }
        return out;
    }

    /** Every step a configuration could have: its variables and its services (for --pause-before). */
    static Set<String> names(StackConfig c) {
        Set<String> out = new LinkedHashSet<>(c.vars().all().keySet());
        c.services().keySet().forEach(s -> out.add("service." + s));
        return out;
    }

    private static String why(StackConfig c, String s, Set<String> runs) {
        if (c.held().contains(s)) return "cleared";
        for (String r : c.services().get(s).deps().requires())
            if (!runs.contains(r)) return "requires " + r + (c.held().contains(r) ? ", which was cleared" : ", which is skipped");
        return "left down";
    }

    /** These services in dependency order (requires, wants, after), the file's order where free. */
    static List<String> order(StackConfig c, Set<String> these) {
        List<String> out = new ArrayList<>();
        Set<String> placed = new HashSet<>();
        boolean progress = true;
        while (progress && out.size() < these.size()) {
            progress = false;
            for (ServiceConfig s : c.services().values()) {
                if (!these.contains(s.name()) || placed.contains(s.name())) continue;
                if (s.deps().ordering().stream().anyMatch(d -> these.contains(d) && !placed.contains(d))) continue;
                out.add(s.name());
                placed.add(s.name());
                progress = true;
                break; // the file's order again from the top: an earlier service freed by this one goes first
            }
        }
        for (String s : these) if (placed.add(s)) out.add(s); // a cycle is refused when the file loads: unreachable
        return out;
    }
}

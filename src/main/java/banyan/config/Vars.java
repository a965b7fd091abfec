package banyan.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SequencedMap;
import java.util.Set;

/**
 * The variables of a configuration ([vars]) after their overrides: each value, where it came from,
 * and who used it.
 *
 * @param all in the order [vars] defines them
 */
public record Vars(SequencedMap<String, Var> all) {
    public static final Vars NONE = new Vars(new LinkedHashMap<>());

    /**
     * @param origin "banyan.toml:3" for [vars], else "vars file F:LINE", "--var", "kernel command line", "answer"
     * @param usedBy "boot", "service.NAME", "root.NAME": whose strings hold ${NAME}
     */
    public record Var(String name, String value, String origin, List<String> usedBy) {
        public Var {
            usedBy = List.copyOf(usedBy);
        }
    }

    public Vars {
        all = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(all));
    }

    /** Variables whose value differs between before and this (added and removed ones too), each with the services it touches. */
    public List<String> changedSince(Vars before) {
        Set<String> names = new LinkedHashSet<>(before.all.keySet());
        names.addAll(all.keySet());
        List<String> out = new ArrayList<>();
        for (String n : names) {
            Var a = before.all.get(n), b = all.get(n);
            if (a != null && b != null && a.value().equals(b.value())) continue;
            Set<String> touched = new LinkedHashSet<>();
            for (Var v : new Var[]{a, b}) // a service by its name; [boot], targets and roots as "boot", "config", "roots"
                if (v != null) v.usedBy().stream().map(u -> u.startsWith("service.") ? u.substring(8) : u).forEach(touched::add);
            out.add(n + (touched.isEmpty() ? " (used nowhere)" : " (touches " + String.join(", ", touched) + ")"));
        }
        return out;
    }
}

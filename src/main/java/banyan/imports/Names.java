package banyan.imports;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** banyan's service names (letters, digits and _ . @ -; they name files and cgroups) for names as the sources give them. */
final class Names {
    private Names() {}

    static final String VALID = "[A-Za-z0-9][A-Za-z0-9_.@-]*";

    static boolean valid(String name) {
        return name.matches(VALID) && !name.contains("..");
    }

    /** Valid, unique names keep theirs; the others get a cleaned one, made unique with -2, -3... */
    static Map<Draft, String> assign(List<Draft> drafts) {
        Map<Draft, String> names = Document.byIdentity();
        Set<String> taken = new HashSet<>();
        for (Draft d : drafts) if (valid(d.source) && taken.add(d.source)) names.put(d, d.source);
        for (Draft d : drafts) {
            if (names.containsKey(d)) continue;
            String base = clean(d.source), name = base;
            for (int i = 2; !taken.add(name); i++) name = base + "-" + i;
            names.put(d, name);
        }
        return names;
    }

    static String clean(String s) {
        String c = s.replaceAll("[^A-Za-z0-9_.@-]", "-").replaceAll("\\.{2,}", ".").replaceFirst("^[^A-Za-z0-9]+", "");
        return c.isEmpty() ? "service" : c;
    }

    /** The comment under a renamed service's header. */
    static String why(String source, String name) {
        if (valid(source)) return "named \"" + source + "\" in the source, a name another service there has too";
        return "named \"" + source + "\" in the source; banyan's names hold only letters, digits and _ . @ - (they name files and cgroups)"
                + (name.equals(clean(source)) ? "" : ", and " + clean(source) + " is another service's");
    }
}

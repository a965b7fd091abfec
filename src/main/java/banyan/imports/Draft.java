package banyan.imports;

import java.util.ArrayList;
import java.util.List;

/**
 * One service of the banyan.toml being written: its lines in the order the source gave them,
 * each a key (with an optional note saying where it came from) or a comment for what has no
 * equivalent. Dependencies name services as the source does; {@link Document} maps them to
 * banyan's names once every name is known.
 */
final class Draft {
    sealed interface Line {}

    record Key(String key, Object value, String note) implements Line {}

    record Comment(String text) implements Line {}

    /** Services named as in the source, for requires, wants and after. */
    record Refs(List<String> names) {
        Refs {
            names = new ArrayList<>(names);
        }
    }

    final String source;
    final List<Line> lines = new ArrayList<>();
    /** False: not started by `banyan up` (left out of the default target). */
    boolean autostart = true;

    Draft(String source) {
        this.source = source;
    }

    Draft set(String key, Object value) {
        return set(key, value, null);
    }

    /** Sets key, in place when it was set before. */
    Draft set(String key, Object value, String note) {
        Key k = new Key(key, value, note);
        for (int i = 0; i < lines.size(); i++)
            if (lines.get(i) instanceof Key old && old.key().equals(key)) {
                lines.set(i, k);
                return this;
            }
        lines.add(k);
        return this;
    }

    Object get(String key) {
        for (Line l : lines) if (l instanceof Key k && k.key().equals(key)) return k.value();
        return null;
    }

    void remove(String key) {
        lines.removeIf(l -> l instanceof Key k && k.key().equals(key));
    }

    Draft comment(String text) {
        lines.add(new Comment(text));
        return this;
    }

    /** A source key kept as a comment: what it said and why banyan has no such key. */
    Draft none(String key, String value, String why) {
        return comment(key + " = " + value + ": " + why);
    }

    /** Adds a dependency (kind is requires, wants or after) on a service named as in the source. */
    void depend(String kind, String sourceName) {
        Refs r = get(kind) instanceof Refs old ? old : new Refs(List.of());
        if (r.names().isEmpty()) set(kind, r);
        if (!r.names().contains(sourceName)) r.names().add(sourceName);
    }
}

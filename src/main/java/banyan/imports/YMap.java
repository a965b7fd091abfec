package banyan.imports;

import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A YAML mapping (snakeyaml-engine's node tree, so every value keeps its line), read with typed getters whose errors name file:line. */
final class YMap {
    final Path file;
    final String where;
    final int line;
    private final Map<String, Node> entries = new LinkedHashMap<>();
    private final Map<String, Integer> keyLines = new LinkedHashMap<>();

    private YMap(Path file, String where, Node node) throws ImportException {
        this.file = file;
        this.where = where;
        this.line = line(node);
        if (!(node instanceof MappingNode m)) throw new ImportException(file, line, (where.isEmpty() ? "the top level" : where) + " must be a mapping of key: value");
        merge(m, true);
    }

    /** Parses a whole file; its top level must be a mapping. */
    static YMap parse(Path file, String text) throws ImportException {
        Optional<Node> root;
        try {
            root = new Compose(LoadSettings.builder().setLabel(file.toString()).build()).composeString(text);
        } catch (MarkedYamlEngineException e) {
            int at = e.getProblemMark().or(e::getContextMark).map(Mark::getLine).orElse(-1) + 1;
            throw new ImportException(file, at, "not YAML: " + e.getProblem());
        } catch (YamlEngineException e) {
            throw new ImportException(file, 0, "not YAML: " + e.getMessage());
        }
        if (root.isEmpty()) throw new ImportException(file, 0, "empty: no processes");
        return new YMap(file, "", root.get());
    }

    /** Keys in file order; `<<: *anchor` merges another mapping's keys that are not set here (YAML's merge key, as Go's yaml reads it). */
    private void merge(MappingNode m, boolean own) throws ImportException {
        List<Node> merges = new ArrayList<>();
        for (NodeTuple t : m.getValue()) {
            String key = scalar(t.getKeyNode(), path("key"));
            if (key.equals("<<")) {
                if (t.getValueNode() instanceof SequenceNode s) merges.addAll(s.getValue());
                else merges.add(t.getValueNode());
                continue;
            }
            if (own && entries.containsKey(key)) throw new ImportException(file, line(t.getKeyNode()), path(key) + ": defined twice");
            if (entries.putIfAbsent(key, t.getValueNode()) == null) keyLines.put(key, line(t.getKeyNode()));
        }
        for (Node n : merges) {
            if (!(n instanceof MappingNode mm)) throw new ImportException(file, line(n), path("<<") + " must merge a mapping");
            merge(mm, false);
        }
    }

    /** key's dotted path from the top: processes.web.availability */
    String path(String key) {
        return where.isEmpty() ? key : where + "." + key;
    }

    static int line(Node n) {
        return n.getStartMark().map(mk -> mk.getLine() + 1).orElse(0);
    }

    Set<String> keys() {
        return entries.keySet();
    }

    boolean has(String key) {
        Node n = entries.get(key);
        return n != null && !(n instanceof ScalarNode s && s.getTag().equals(Tag.NULL));
    }

    /** The line of key (where a mapping merged it in: of the merged key). */
    int line(String key) {
        return keyLines.getOrDefault(key, line);
    }

    Node node(String key) {
        return entries.get(key);
    }

    Optional<String> str(String key) throws ImportException {
        return has(key) ? Optional.of(scalar(entries.get(key), path(key))) : Optional.empty();
    }

    String scalar(Node n, String what) throws ImportException {
        if (n instanceof ScalarNode s) return s.getTag().equals(Tag.NULL) ? "" : s.getValue();
        throw new ImportException(file, line(n), what + " must be a single value, not a " + (n instanceof MappingNode ? "mapping" : "list"));
    }

    /** Go's yaml reads yes/no/on/off into a bool field too. */
    Optional<Boolean> bool(String key) throws ImportException {
        Optional<String> v = str(key);
        if (v.isEmpty()) return Optional.empty();
        return switch (v.get().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "y" -> Optional.of(true);
            case "false", "no", "off", "n" -> Optional.of(false);
            default -> throw new ImportException(file, line(key), path(key) + ": '" + v.get() + "' is not true or false");
        };
    }

    Optional<Long> integer(String key) throws ImportException {
        Optional<String> v = str(key);
        if (v.isEmpty()) return Optional.empty();
        try {
            return Optional.of(Long.parseLong(v.get().strip()));
        } catch (NumberFormatException e) {
            throw new ImportException(file, line(key), path(key) + ": '" + v.get() + "' is not a whole number");
        }
    }

    Optional<YMap> map(String key) throws ImportException {
        return has(key) ? Optional.of(new YMap(file, path(key), entries.get(key))) : Optional.empty();
    }

    YMap map(String key, Node n) throws ImportException {
        return new YMap(file, path(key), n);
    }

    /** A list of single values; a single value counts as a list of one (as namespace allows). */
    Optional<List<String>> strings(String key) throws ImportException {
        if (!has(key)) return Optional.empty();
        Node n = entries.get(key);
        if (n instanceof ScalarNode) return Optional.of(List.of(scalar(n, path(key))));
        if (!(n instanceof SequenceNode s)) throw new ImportException(file, line(n), path(key) + " must be a list");
        List<String> out = new ArrayList<>();
        for (Node x : s.getValue()) out.add(scalar(x, path(key) + " item"));
        return Optional.of(out);
    }

    /** The value as the source wrote it, for a comment: a scalar, or [a, b], or {k: v}. */
    String text(String key) {
        return text(entries.get(key));
    }

    static String text(Node n) {
        return switch (n) {
            case ScalarNode s -> s.getTag().equals(Tag.NULL) ? "null" : s.getValue();
            case SequenceNode s -> {
                List<String> items = new ArrayList<>();
                s.getValue().forEach(x -> items.add(text(x)));
                yield "[" + String.join(", ", items) + "]";
            }
            case MappingNode m -> {
                List<String> items = new ArrayList<>();
                m.getValue().forEach(t -> items.add(text(t.getKeyNode()) + ": " + text(t.getValueNode())));
                yield "{" + String.join(", ", items) + "}";
            }
            default -> "?";
        };
    }

    ImportException error(String key, String why) {
        return new ImportException(file, line(key), path(key) + ": " + why);
    }
}

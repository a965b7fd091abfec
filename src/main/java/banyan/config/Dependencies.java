package banyan.config;

import java.util.List;
import java.util.stream.Stream;

/**
 * Edges of the service graph: `requires` (hard: started after it is ready, stopped when it goes),
 * `wants` (pulled in and ordered after, but its failure blocks nothing) and `after` (ordering only).
 */
public record Dependencies(List<String> requires, List<String> wants, List<String> after) {
    public static final Dependencies NONE = new Dependencies(List.of(), List.of(), List.of());

    public Dependencies {
        requires = List.copyOf(requires);
        wants = List.copyOf(wants);
        after = List.copyOf(after);
    }

    /** Every service this one is ordered after. */
    public List<String> ordering() {
        return Stream.of(requires, wants, after).flatMap(List::stream).distinct().toList();
    }
}

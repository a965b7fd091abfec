package banyan.roots;

import java.time.Instant;
import java.util.Optional;

/**
 * What a root is doing, as status and (later) the API and the graph show it. Immutable; a new
 * one is published on each change.
 *
 * @param source the source mounted (up, lost, releasing) or being tried (acquiring)
 * @param since  when it entered this state
 * @param losses how many times it was lost since banyan started
 * @param reason why it is in this state: the failures of the sources, what was lost and how
 */
public record RootStatus(String name, RootState state, Optional<String> source, Instant since, int losses, String reason) {
    public boolean up() {
        return state == RootState.UP;
    }
}

package banyan.grid;

import java.time.Instant;
import java.util.Map;

/**
 * A peer as its follower last saw it, an immutable snapshot anyone may read. state: connecting
 * (never reached yet), connected, unreachable (silent for peer_timeout), error (it answered, but
 * not as a banyan that accepts the token). services: what its stream says, empty unless its
 * answers are fresh (connected, or lost less than peer_timeout ago).
 */
public record PeerStatus(String name, String address, PeerState state, Instant since, String lastError, double latencyMs,
                         Map<String, Remote> services) {
    /** One of the peer's services: its state on the wire (up, starting, ...), whether it is ready, and since when there. */
    public record Remote(String state, boolean ready, String since) {
        public boolean usable() {
            return state.equals("up") && ready || state.equals("done");
        }
    }

    public PeerStatus {
        services = Map.copyOf(services);
    }

    PeerStatus with(PeerState state, Instant since, String lastError, double latencyMs, Map<String, Remote> services) {
        return new PeerStatus(name, address, state, since, lastError, latencyMs, services);
    }
}

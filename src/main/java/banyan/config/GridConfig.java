package banyan.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.SequencedMap;

/** The peers of this banyan and how long one may stay silent before its services count as down. */
public record GridConfig(SequencedMap<String, PeerConfig> peers, Duration peerTimeout) {
    /** Long enough for a loaded machine's pause, short enough that dependents notice a dead peer within seconds. */
    public static final Duration DEFAULT_PEER_TIMEOUT = Duration.ofSeconds(3);
    public static final GridConfig NONE = new GridConfig(new LinkedHashMap<>(), DEFAULT_PEER_TIMEOUT);

    public GridConfig {
        peers = java.util.Collections.unmodifiableSequencedMap(new LinkedHashMap<>(peers));
    }

    /** The peer part of a remote service's name `SERVICE@PEER`, when PEER is one of the peers. */
    public java.util.Optional<PeerConfig> peerOf(String dependency) {
        int at = dependency.lastIndexOf('@');
        return at <= 0 ? java.util.Optional.empty() : java.util.Optional.ofNullable(peers.get(dependency.substring(at + 1)));
    }
}

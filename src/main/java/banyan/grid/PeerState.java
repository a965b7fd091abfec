package banyan.grid;

/** What the follower of a peer sees; the wire name is what JSON and `banyan peers` show. */
public enum PeerState {
    /** Never reached yet. */
    CONNECTING("connecting"), CONNECTED("connected"),
    /** Silent for peer_timeout: its services count as down. */
    UNREACHABLE("unreachable"),
    /** It answered, but not as a banyan that accepts the token. */
    ERROR("error");

    private final String wire;

    PeerState(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    @Override
    public String toString() {
        return wire;
    }
}

package banyan.grid;

import banyan.config.GridConfig;
import banyan.config.PeerConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The followers of a configuration's peers; a reload keeps those whose address, token file and timeout did not change. */
public final class Peers {
    private final Runnable changed;
    private volatile Map<String, Peer> peers = Map.of(); // replaced whole by apply, on the stack thread
    private GridConfig grid = GridConfig.NONE;

    /** changed: called on a peer's thread after its status changed; it must not block. */
    public Peers(Runnable changed) {
        this.changed = changed;
    }

    public synchronized void apply(GridConfig next) {
        Map<String, Peer> out = new LinkedHashMap<>();
        for (PeerConfig c : next.peers().values()) {
            Peer old = peers.get(c.name());
            if (old != null && old.config.equals(c) && next.peerTimeout().equals(grid.peerTimeout())) out.put(c.name(), old);
            else out.put(c.name(), new Peer(c, next.peerTimeout(), changed));
        }
        peers.forEach((n, p) -> { if (out.get(n) != p) p.close(); });
        out.forEach((n, p) -> { if (peers.get(n) != p) p.open(); });
        peers = Map.copyOf(out);
        grid = next;
        changed.run();
    }

    /** Any thread: SERVICE@PEER as its peer's stream last said, empty while the peer is unknown, unreachable or in error. */
    public Optional<PeerStatus.Remote> remote(String service, String peer) {
        Peer p = peers.get(peer);
        return p == null ? Optional.empty() : Optional.ofNullable(p.status().services().get(service));
    }

    public Optional<PeerStatus> status(String peer) {
        return Optional.ofNullable(peers.get(peer)).map(Peer::status);
    }

    /** In the file's order. */
    public List<PeerStatus> statuses() {
        return grid.peers().keySet().stream().map(peers::get).filter(java.util.Objects::nonNull).map(Peer::status).toList();
    }

    public synchronized void close() {
        peers.values().forEach(Peer::close);
        peers = Map.of();
    }
}

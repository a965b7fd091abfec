package banyan.manage;

import banyan.grid.PeerStatus;
import banyan.grid.Peers;
import banyan.manage.Transitions.Phase;

import java.util.Optional;

/**
 * A service of a peer (SERVICE@PEER) as a node of the graph. The stack never starts or stops it:
 * it is ready while the peer's stream says so, down otherwise, and never pending, so it blocks
 * only what requires it and a `wants` never waits for it. Fields belong to the stack thread.
 */
final class RemoteNode extends Vertex {
    final String service, peer;
    private final Peers peers;
    private String upSince;   // the remote instance last seen ready, by its since
    private long ups;         // how many remote instances were seen ready: its instance key

    RemoteNode(String name, Peers peers) {
        int at = name.lastIndexOf('@');
        this.service = name.substring(0, at);
        this.peer = name.substring(at + 1);
        this.peers = peers;
        this.wanted = true;
    }

    Optional<PeerStatus.Remote> remote() {
        return peers.remote(service, peer);
    }

    @Override
    Phase phase() {
        return shown();
    }

    @Override
    Phase shown() {
        return remote().filter(PeerStatus.Remote::usable).isPresent() ? Phase.READY : Phase.DOWN;
    }

    @Override
    boolean holding() {
        return false;
    }

    @Override
    void start() { } // another banyan's to start

    @Override
    void stop() { }

    @Override
    long instanceKey() {
        Optional<PeerStatus.Remote> r = remote().filter(PeerStatus.Remote::usable);
        if (r.isPresent() && !r.get().since().equals(upSince)) {
            upSince = r.get().since();
            ups++;
        }
        return ups;
    }

    /** Why a service that requires it waits: "waiting for files@b (peer b unreachable: ...)". */
    String why() {
        Optional<PeerStatus> p = peers.status(peer);
        if (p.isEmpty()) return "waiting for " + service + "@" + peer + " (peer " + peer + " not followed)";
        PeerStatus st = p.get();
        if (st.state() != banyan.grid.PeerState.CONNECTED)
            return "waiting for " + service + "@" + peer + " (peer " + peer + " " + st.state() + (st.lastError().isEmpty() ? "" : ": " + st.lastError()) + ")";
        return "waiting for " + service + "@" + peer + " (" + remote().map(PeerStatus.Remote::state).orElse("no such service there") + ")";
    }
}

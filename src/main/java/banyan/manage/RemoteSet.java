package banyan.manage;

import banyan.config.Dependencies;
import banyan.config.GridConfig;
import banyan.grid.PeerStatus;
import banyan.grid.Peers;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The remote services the stack's services depend on, as nodes, and the followers of their peers. */
final class RemoteSet {
    final Peers peers;
    private Map<String, RemoteNode> nodes = new LinkedHashMap<>(); // stack thread

    RemoteSet(Runnable changed) {
        this.peers = new Peers(changed);
    }

    /** Stack thread: a node for every SERVICE@PEER named by a service (kept across rebuilds), each into deps. */
    void rebuild(Collection<Entry> entries, GridConfig grid, Map<String, Dependencies> deps) {
        Map<String, RemoteNode> out = new LinkedHashMap<>();
        for (Entry e : entries)
            for (String d : e.config.deps().ordering())
                if (!deps.containsKey(d) && grid.peerOf(d).isPresent() && !entries.stream().anyMatch(x -> x.config.name().equals(d)))
                    out.computeIfAbsent(d, n -> nodes.getOrDefault(n, new RemoteNode(n, peers)));
        nodes = out;
        out.keySet().forEach(n -> deps.putIfAbsent(n, Dependencies.NONE));
    }

    RemoteNode get(String name) {
        return nodes.get(name);
    }

    /** Stack thread: why each wanted service that requires a remote service not ready is down. */
    void waiting(Collection<Entry> entries, Map<String, String> into) {
        for (Entry e : entries) {
            if (!e.wanted || into.containsKey(e.config.name())) continue;
            for (String r : e.config.deps().requires()) {
                RemoteNode n = nodes.get(r);
                if (n != null && n.phase() != Transitions.Phase.READY) {
                    into.put(e.config.name(), n.why());
                    break;
                }
            }
        }
    }

    List<PeerStatus> statuses() {
        return peers.statuses();
    }
}

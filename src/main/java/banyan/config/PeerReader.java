package banyan.config;

import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads `[peer.NAME]` tables and `peer_timeout` (top level or in `[grid]`), design.md section 9. */
final class PeerReader {
    private PeerReader() {}

    static final Set<String> PEER_KEYS = Set.of("address", "token_file");
    static final Set<String> GRID_KEYS = Set.of("peer_timeout");
    private static final String NAME = "[A-Za-z0-9][A-Za-z0-9_-]*";

    /** Every [peer.NAME] of one file into peers; the last peer_timeout read wins, as log_dir does. */
    static Duration read(Path file, TomlParseResult toml, Fields top, Map<String, PeerConfig> peers, Duration timeout, List<Problem> problems) {
        timeout = top.positiveDuration("peer_timeout").orElse(timeout);
        if (toml.contains("grid") && !toml.isTable("grid")) top.error("grid", "must be a table: [grid]");
        else if (toml.isTable("grid")) {
            Fields g = top.sub(toml.getTable("grid"), "grid", toml.inputPositionOf("grid"));
            g.rejectUnknown(GRID_KEYS);
            if (g.has("peer_timeout") && top.has("peer_timeout"))
                g.error("peer_timeout", "is also set at the top level (" + top.place("peer_timeout") + "); keep one");
            timeout = g.positiveDuration("peer_timeout").orElse(timeout);
        }
        if (toml.contains("peer") && !toml.isTable("peer")) top.error("peer", "must be tables: [peer.NAME]");
        if (!toml.isTable("peer")) return timeout;
        TomlTable all = toml.getTable("peer");
        Fields at = top.sub(all, "peer", toml.inputPositionOf("peer"));
        for (String name : ConfigLoader.inFileOrder(all)) {
            if (!(all.get(List.of(name)) instanceof TomlTable t)) {
                at.error(name, "must be a table: [peer." + name + "]");
                continue;
            }
            Fields f = top.sub(t, "peer." + name, all.inputPositionOf(List.of(name)));
            if (!name.matches(NAME)) {
                f.error(null, "peer name '" + name + "' may hold only letters, digits, _ and - (it follows the @ of SERVICE@PEER)");
                continue;
            }
            PeerConfig previous = peers.get(name);
            if (previous != null) {
                f.error(null, "peer '" + name + "' is already defined at " + previous.place());
                continue;
            }
            peer(name, f).ifPresent(p -> peers.put(name, p));
        }
        return timeout;
    }

    private static Optional<PeerConfig> peer(String name, Fields f) {
        int before = f.problemCount();
        f.rejectUnknown(PEER_KEYS);
        if (!f.has("address")) f.error(null, "missing key 'address': the HOST:PORT of the peer's TCP API (its banyan up --listen)");
        if (!f.has("token_file")) f.error(null, "missing key 'token_file': the file holding the peer's token (its --token-file)");
        String host = null;
        int port = 0;
        Optional<String> address = f.string("address");
        if (address.isPresent()) {
            String a = address.get();
            int colon = a.lastIndexOf(':');
            String h = colon < 0 ? "" : a.substring(0, colon);
            if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
            String p = colon < 0 ? "" : a.substring(colon + 1);
            if (h.isEmpty() || !p.matches("\\d{1,5}") || Integer.parseInt(p) < 1 || Integer.parseInt(p) > 65535
                    || !h.matches("[A-Za-z0-9.:_-]+") || h.contains(":") && !a.startsWith("["))
                f.error("address", "'" + a + "' is not HOST:PORT; write it like \"10.77.0.2:7070\" or \"[fd00::2]:7070\" (port 1 to 65535)");
            else {
                host = h;
                port = Integer.parseInt(p);
            }
        }
        Optional<Path> token = f.string("token_file").flatMap(t -> {
            if (t.startsWith("/")) return Optional.of(Path.of(t));
            f.error("token_file", "'" + t + "' must be an absolute path");
            return Optional.empty();
        });
        if (f.problemCount() > before || host == null || token.isEmpty()) return Optional.empty();
        return Optional.of(new PeerConfig(name, host, port, token.get(), f.place(null)));
    }
}

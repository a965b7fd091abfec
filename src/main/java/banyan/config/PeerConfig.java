package banyan.config;

import java.nio.file.Path;

/** `[peer.NAME]`: another banyan's TCP API (its --listen address) and the file holding its token. */
public record PeerConfig(String name, String host, int port, Path tokenFile, Place place) {
    public String address() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}

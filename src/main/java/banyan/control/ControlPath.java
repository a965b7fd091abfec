package banyan.control;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where the control socket is (design.md section 4): --control PATH, else BANYAN_CONTROL, else
 * /run/banyan/control.sock for root and $XDG_RUNTIME_DIR/banyan/control.sock for others
 * (/tmp/banyan-UID/control.sock when XDG_RUNTIME_DIR is unset, as in a plain `su` shell).
 * A client may be given an address instead, http://HOST:PORT: a banyan's TCP listener.
 */
public final class ControlPath {
    private ControlPath() {}

    public static Path resolve(Optional<String> flag, Map<String, String> env, int uid) {
        if (flag.isPresent() && !flag.get().isEmpty()) return Path.of(flag.get());
        String fromEnv = env.getOrDefault("BANYAN_CONTROL", "");
        if (!fromEnv.isEmpty()) return Path.of(fromEnv);
        if (uid == 0) return Path.of("/run/banyan/control.sock");
        String runtime = env.getOrDefault("XDG_RUNTIME_DIR", "");
        if (runtime.startsWith("/")) return Path.of(runtime, "banyan", "control.sock");
        return Path.of("/tmp", "banyan-" + uid, "control.sock");
    }

    /** What --control or BANYAN_CONTROL names, when it is an address (http://HOST:PORT) rather than a path. */
    public static Optional<String> address(Optional<String> flag, Map<String, String> env) {
        String given = flag.filter(f -> !f.isEmpty()).orElse(env.getOrDefault("BANYAN_CONTROL", ""));
        return given.contains("://") ? Optional.of(given) : Optional.empty(); // as a path it would lose a '/' and never work
    }

    /** Where a client finds banyan: the address as given, else the socket's path. */
    public static String forClient(Optional<String> flag, Map<String, String> env, int uid) {
        return address(flag, env).orElseGet(() -> resolve(flag, env, uid).toString());
    }
}

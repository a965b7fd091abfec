package banyan.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Users and groups from /etc/passwd and /etc/group (no NSS: PID 1 must not depend on a network directory). */
public final class Users {
    private Users() {}

    /** Who a service runs as: uid, primary gid, supplementary gids, and the passwd facts for its environment. */
    public record Identity(String name, int uid, int gid, List<Integer> groups, String home, String shell) {
        public Identity {
            groups = List.copyOf(groups);
        }
    }

    public static Optional<Identity> user(String nameOrUid) {
        for (String[] f : read("/etc/passwd")) {
            if (f.length < 7) continue;
            if (f[0].equals(nameOrUid) || f[2].equals(nameOrUid)) {
                int uid = Integer.parseInt(f[2]), gid = Integer.parseInt(f[3]);
                return Optional.of(new Identity(f[0], uid, gid, supplementary(f[0], gid), f[5], f[6]));
            }
        }
        if (nameOrUid.matches("\\d+")) { // a bare uid with no passwd entry, as containers often run
            int uid = Integer.parseInt(nameOrUid);
            return Optional.of(new Identity(nameOrUid, uid, uid, List.of(uid), "/", "/bin/sh"));
        }
        return Optional.empty();
    }

    public static Optional<Integer> group(String nameOrGid) {
        for (String[] f : read("/etc/group"))
            if (f.length >= 3 && (f[0].equals(nameOrGid) || f[2].equals(nameOrGid))) return Optional.of(Integer.parseInt(f[2]));
        return nameOrGid.matches("\\d+") ? Optional.of(Integer.parseInt(nameOrGid)) : Optional.empty();
    }

    private static List<Integer> supplementary(String user, int primary) {
        List<Integer> out = new ArrayList<>(List.of(primary));
        for (String[] f : read("/etc/group")) {
            if (f.length < 4) continue;
            for (String m : f[3].split(",")) if (m.equals(user) && !out.contains(Integer.parseInt(f[2]))) out.add(Integer.parseInt(f[2]));
        }
        return out;
    }

    private static List<String[]> read(String file) {
        try {
            return Files.readAllLines(Path.of(file)).stream().filter(l -> !l.startsWith("#")).map(l -> l.split(":", -1)).toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}

package banyan.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** Users and groups from /etc/passwd and /etc/group (no NSS: PID 1 must not depend on a network directory). */
public final class Users {
    private Users() {}

    /** Who a service runs as: uid, primary gid, supplementary gids, and the passwd facts for its environment. */
    public record Identity(String name, int uid, int gid, List<Integer> groups, String home, String shell) {
        public Identity {
            groups = List.copyOf(groups);
        }
    }

    /** The largest uid or gid banyan takes: ids are Java ints here, and a larger one would turn negative. */
    public static final int MAX_ID = Integer.MAX_VALUE;

    /** Empty when no such user, or a uid out of range. */
    public static Optional<Identity> user(String nameOrUid) {
        for (String[] f : read("/etc/passwd")) {
            if (f.length < 7) continue;
            OptionalInt uid = id(f[2]), gid = id(f[3]);
            if (uid.isEmpty() || gid.isEmpty()) continue; // a broken line names no one
            if (f[0].equals(nameOrUid) || f[2].equals(nameOrUid))
                return Optional.of(new Identity(f[0], uid.getAsInt(), gid.getAsInt(), supplementary(f[0], gid.getAsInt()), f[5], f[6]));
        }
        OptionalInt bare = id(nameOrUid); // a bare uid with no passwd entry, as containers often run
        if (bare.isEmpty()) return Optional.empty();
        int uid = bare.getAsInt();
        return Optional.of(new Identity(nameOrUid, uid, uid, List.of(uid), "/", "/bin/sh"));
    }

    /** Empty when no such group, or a gid out of range. */
    public static Optional<Integer> group(String nameOrGid) {
        for (String[] f : read("/etc/group")) {
            OptionalInt gid = f.length >= 3 ? id(f[2]) : OptionalInt.empty();
            if (gid.isPresent() && (f[0].equals(nameOrGid) || f[2].equals(nameOrGid))) return Optional.of(gid.getAsInt());
        }
        OptionalInt bare = id(nameOrGid);
        return bare.isPresent() ? Optional.of(bare.getAsInt()) : Optional.empty();
    }

    /** A decimal id from 0 to MAX_ID; empty for anything else (never a NumberFormatException). */
    static OptionalInt id(String text) {
        if (!text.matches("\\d{1,10}")) return OptionalInt.empty();
        long n = Long.parseLong(text);
        return n <= MAX_ID ? OptionalInt.of((int) n) : OptionalInt.empty();
    }

    private static List<Integer> supplementary(String user, int primary) {
        List<Integer> out = new ArrayList<>(List.of(primary));
        for (String[] f : read("/etc/group")) {
            if (f.length < 4 || id(f[2]).isEmpty()) continue;
            int gid = id(f[2]).getAsInt();
            for (String m : f[3].split(",")) if (m.equals(user) && !out.contains(gid)) out.add(gid);
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

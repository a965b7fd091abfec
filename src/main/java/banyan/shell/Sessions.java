package banyan.shell;

import banyan.os.Fd;
import banyan.os.Pty;
import banyan.os.Reaper;
import banyan.os.Spawn;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The shell sessions of one banyan (docs/core.md): opened, listed, found by ID; each ends with its process. */
public final class Sessions {
    /** Scrollback kept per session for a client that attaches later. */
    public static final int SCROLLBACK = 64 * 1024;
    /** Sessions at once: each holds a pty, a process and a thread. */
    public static final int MAX = 32;

    private final Map<String, Session> open = new ConcurrentHashMap<>();
    private final Map<String, String> env;
    private final SecureRandom random = new SecureRandom();

    /** env: what shells inherit (banyan's environment less what its launcher set for the JVM). */
    public Sessions(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /** A session refused: too many, no pty, or no such program. The message says which. */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** A root to run a shell in: its place, entered by the exec step (a mount namespace of its own, pivot_root). */
    public record InRoot(java.nio.file.Path place, java.nio.file.Path execHelper) {}

    /** Opens a session running command (empty: $SHELL, else /bin/sh, as a login shell would be) on a new pty. */
    public Session open(List<String> command, int rows, int cols, Optional<String> term) throws Refused {
        return open(command, rows, cols, term, Optional.empty());
    }

    /**
     * The same in root (its /bin/sh by default); the program is looked up there by the exec step,
     * since banyan never resolves a path on a root.
     */
    public Session open(List<String> command, int rows, int cols, Optional<String> term, Optional<InRoot> root) throws Refused {
        if (open.size() >= MAX) throw new Refused(MAX + " shell sessions are open already; end one (banyan sessions lists them)");
        String shell = root.isPresent() || env.getOrDefault("SHELL", "").isEmpty() ? "/bin/sh" : env.get("SHELL");
        List<String> argv = command.isEmpty() ? List.of(shell) : command;
        String path = env.getOrDefault("PATH", Spawn.DEFAULT_PATH);
        String program;
        List<String> spawned;
        if (root.isPresent()) {
            program = root.get().execHelper().toString();
            spawned = new ArrayList<>(List.of("banyan-exec", "--root", root.get().place().toString(), "-", "-", argv.getFirst()));
            spawned.addAll(argv);
        } else {
            program = Spawn.resolve(argv.getFirst(), path)
                    .orElseThrow(() -> new Refused("program '" + argv.getFirst() + "' not found in PATH=" + path));
            spawned = argv;
        }
        Pty.Pair pty;
        try {
            pty = Pty.open();
        } catch (RuntimeException e) {
            throw new Refused("cannot open a pseudo-terminal: " + e.getMessage());
        }
        String id = HexFormat.of().formatHex(bytes(4));
        Session s = new Session(id, argv, pty, rows > 0 ? rows : 24, cols > 0 ? cols : 80, SCROLLBACK, () -> open.remove(id));
        try {
            Pty.resize(pty.master(), rows > 0 ? rows : 24, cols > 0 ? cols : 80); // a client with no terminal gets the classic size
            List<String> e = new ArrayList<>();
            env.forEach((k, v) -> { if (!k.equals("TERM")) e.add(k + "=" + v); });
            e.add("TERM=" + term.filter(t -> t.matches("[A-Za-z0-9._+-]{1,64}")).orElse(env.getOrDefault("TERM", "xterm")));
            e.add("BANYAN_SESSION=" + id);
            int pid = Reaper.get().spawn(Spawn.Spec.onTerminal(program, spawned, e, Optional.of("/"), pty.slave()),
                    exit -> Thread.ofVirtual().name("pty-" + id + "-exit").start(() -> s.exited(exit)));
            open.put(id, s);
            s.start(pid);
            return s;
        } catch (RuntimeException e) {
            Fd.close(pty.master());
            throw new Refused("cannot start " + argv.getFirst() + " on " + pty.slave() + ": " + e.getMessage());
        }
    }

    public Optional<Session> get(String id) {
        return Optional.ofNullable(open.get(id));
    }

    public List<Session.Info> list() {
        return open.values().stream().map(Session::info).sorted(Comparator.comparing(Session.Info::created)).toList();
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}

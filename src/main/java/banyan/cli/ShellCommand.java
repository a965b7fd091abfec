package banyan.cli;

import banyan.os.Pty;
import banyan.os.SignalHandlers;
import banyan.os.Signals;
import com.google.gson.JsonArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

@Command(name = "shell", mixinStandardHelpOptions = true,
        description = {"A shell (or CMD) on a pseudo-terminal that banyan holds, as with ssh -t: window size, Ctrl-C, Ctrl-Z",
                "and the exit status pass through. Ctrl-] detaches; the session runs on with its scrollback. Guide: docs/core.md."})
final class ShellCommand extends ClientCommand {
    /** The detach key: Ctrl-], as telnet's escape. */
    static final int DETACH = 0x1d;

    @Option(names = "--attach", paramLabel = "ID", description = "resume session ID (banyan sessions lists them)")
    String attach;

    @Option(names = "--detach", description = "start the session detached and print its ID")
    boolean detach;

    @Option(names = "--root", paramLabel = "NAME", description = "core: run the core root's /bin/sh (or CMD) inside the core; without it, on the host's /")
    String root;

    @Parameters(paramLabel = "CMD", arity = "0..*", description = "after --: the program and its arguments (default: banyan's $SHELL, else /bin/sh)")
    List<String> command = List.of();

    @Override
    int run(ControlClient client) throws Exception {
        if (attach != null && (detach || !command.isEmpty() || root != null))
            throw new Exit(Main.USAGE, "--attach ID resumes a session as it is: it takes no --detach, --root or CMD");
        if (root != null && !root.equals("core"))
            throw new Exit(Main.USAGE, "--root " + root + ": a shell runs on the host (no --root) or in the core (--root core); other roots are not offered yet");
        int[] size = Pty.size(0);
        if (size == null) size = Pty.size(1);
        String window = size == null ? "" : "rows=" + size[0] + "&cols=" + size[1];
        String path;
        if (attach != null) {
            path = "/v1/sessions/" + Paths.segment(attach) + "/attach" + (window.isEmpty() ? "" : "?" + window);
        } else {
            StringBuilder q = new StringBuilder(window);
            if (!command.isEmpty()) {
                JsonArray a = new JsonArray();
                command.forEach(a::add);
                q.append(q.isEmpty() ? "" : "&").append("command=").append(Paths.query(a.toString()));
            }
            if (root != null) q.append(q.isEmpty() ? "" : "&").append("root=").append(root);
            String term = System.getenv("TERM");
            if (term != null && !term.isEmpty()) q.append(q.isEmpty() ? "" : "&").append("term=").append(Paths.query(term));
            path = "/v1/sessions" + (q.isEmpty() ? "" : "?" + q);
        }
        if (detach) {
            var o = json(client.request("POST", path, null));
            out().println(o.get("id").getAsString());
            return Main.OK;
        }
        ControlClient.Response r = client.request("POST", path, null, "banyan-shell");
        if (r.status() != 101) {
            json(r); // throws with the server's message and the exit code for its status
            throw new Exit(Main.FAILED, "banyan answered HTTP " + r.status() + " instead of switching to the shell");
        }
        return relay(r);
    }

    /** Keystrokes to banyan, output to the terminal, until the session exits or this client detaches. */
    private int relay(ControlClient.Response r) throws IOException {
        boolean tty = Pty.isTerminal(0);
        byte[] saved = tty ? Pty.raw(0) : null;
        OutputStream toServer = Channels.newOutputStream((java.nio.channels.SocketChannel) r.channel());
        AtomicBoolean detached = new AtomicBoolean();
        if (tty) SignalHandlers.on(Signals.number("WINCH").orElseThrow(), () -> {
            int[] s = Pty.size(0);
            if (s != null) send(toServer, 'w', ByteBuffer.allocate(4).putShort((short) s[0]).putShort((short) s[1]).array());
        });
        Thread input = Thread.ofPlatform().daemon().name("shell-input").start(() -> keys(toServer, tty, detached));
        int code = -1;
        String lost = null;
        FileOutputStream screen = new FileOutputStream(FileDescriptor.out);
        DataInputStream in = new DataInputStream(r.body());
        try {
            while (true) {
                int type = in.read();
                if (type < 0) break;
                byte[] payload = new byte[in.readInt()];
                in.readFully(payload);
                switch (type) {
                    case 'o' -> {
                        screen.write(payload);
                        screen.flush();
                    }
                    case 'x' -> code = ByteBuffer.wrap(payload).getInt();
                    case 'm' -> message(new String(payload, StandardCharsets.UTF_8), tty);
                    default -> { }
                }
            }
        } catch (EOFException e) {
            lost = "the connection ended inside a frame";
        } catch (IOException e) {
            lost = e.getMessage();
        } finally {
            if (saved != null) Pty.restore(0, saved);
            input.interrupt();
            r.close();
        }
        if (code >= 0) return code;
        if (detached.get()) return Main.OK;
        throw new IOException(lost == null ? "banyan closed the session's connection; the session may go on (banyan sessions)" : lost);
    }

    private void keys(OutputStream toServer, boolean tty, AtomicBoolean detached) {
        FileInputStream keyboard = new FileInputStream(FileDescriptor.in);
        byte[] buf = new byte[4096];
        try {
            while (true) {
                int n = keyboard.read(buf);
                if (n < 0) {
                    if (!tty) send(toServer, 'i', new byte[] {4}); // the end of piped input: Ctrl-D, as the pty's own end of file
                    return;
                }
                int cut = -1;
                for (int i = 0; i < n && tty; i++) if (buf[i] == DETACH) { cut = i; break; }
                if (cut < 0) {
                    send(toServer, 'i', java.util.Arrays.copyOf(buf, n));
                    continue;
                }
                if (cut > 0) send(toServer, 'i', java.util.Arrays.copyOf(buf, cut));
                detached.set(true);
                send(toServer, 'd', new byte[0]);
                return;
            }
        } catch (IOException e) {
            // the connection went: the output side says so
        }
    }

    private static void send(OutputStream toServer, char type, byte[] payload) {
        synchronized (toServer) {
            try {
                toServer.write(ByteBuffer.allocate(5 + payload.length).put((byte) type).putInt(payload.length).put(payload).array());
                toServer.flush();
            } catch (IOException e) {
                // the connection went: the reader ends and says so
            }
        }
    }

    private void message(String text, boolean tty) {
        err().print((tty ? "\r\n" : "") + "banyan: " + text + (tty ? "\r\n" : "\n"));
        err().flush();
    }
}

package banyan.cli;

import banyan.control.ControlPath;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/** What every client command shares: where banyan is (--control), talking to it, and turning answers into exit codes. */
abstract class ClientCommand implements Callable<Integer> {
    @Option(names = "--control", paramLabel = "PATH", description = {"banyan's control socket, or http://HOST:PORT for its TCP listener (with a token).",
            "Default: $BANYAN_CONTROL, else /run/banyan/control.sock for root, $XDG_RUNTIME_DIR/banyan/control.sock otherwise."})
    String control;

    @Option(names = "--token-file", paramLabel = "FILE", description = {"with --control http://...: the token is the first line of FILE",
            "(the file given to banyan up --token-file). Default: $BANYAN_TOKEN."})
    Path tokenFile;

    @Spec
    CommandSpec spec;

    /** Where the command writes: picocli's writers, or those FastPath made for a call without picocli. */
    PrintWriter out, err;

    /** An answer that ends the command with an exit code and a message for stderr. */
    static final class Exit extends Exception {
        final int code;

        Exit(int code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    abstract int run(ControlClient client) throws Exception;

    @Override
    public final Integer call() throws Exception {
        ControlClient client = null;
        try {
            client = client();
            return run(client);
        } catch (ControlClient.Unreachable e) {
            err().println("banyan: " + e.getMessage());
            return Main.UNREACHABLE;
        } catch (ControlClient.Denied e) {
            return usage(e.getMessage() + "; " + (tokenFile != null ? "the first line of " + tokenFile : "BANYAN_TOKEN")
                    + " must hold the first line of the file given to banyan up --token-file");
        } catch (Exit e) {
            if (e.code == Main.USAGE) return usage(e.getMessage());
            if (e.getMessage() != null && !e.getMessage().isEmpty()) err().println("banyan: " + e.getMessage());
            return e.code;
        } catch (ControlClient.Silent e) {
            err().println("banyan: " + e.getMessage() + "; is it stuck? Its log file (@banyan.log) and its console may say why");
            return Main.UNREACHABLE;
        } catch (IOException e) {
            err().println("banyan: lost the connection to banyan at " + client.where() + ": " + e.getMessage());
            return Main.UNREACHABLE;
        } finally {
            out().flush();
        }
    }

    /** Where banyan is, with the token: --token-file FILE, else BANYAN_TOKEN; a TCP listener refuses every request without one. */
    private ControlClient client() throws Exit {
        String where = ControlPath.forClient(Optional.ofNullable(control), System.getenv(), uid());
        Optional<String> token = tokenFile != null ? Optional.of(readToken(tokenFile))
                : Optional.ofNullable(System.getenv("BANYAN_TOKEN")).filter(t -> !t.isEmpty());
        if (token.isPresent() && !token.get().chars().allMatch(c -> c >= 0x20 && c < 0x7f))
            throw new Exit(Main.USAGE, (tokenFile != null ? "--token-file " + tokenFile : "BANYAN_TOKEN")
                    + " holds characters that cannot go into an HTTP header (only printable ASCII)");
        ControlClient client;
        try {
            client = new ControlClient(where, token);
        } catch (IllegalArgumentException e) {
            throw new Exit(Main.USAGE, (control != null ? "--control " : "BANYAN_CONTROL ") + e.getMessage());
        }
        if (client.remote() && token.isEmpty())
            throw new Exit(Main.USAGE, "banyan at " + where + " needs its token: set BANYAN_TOKEN, or pass --token-file FILE"
                    + " (the file given to banyan up --token-file)");
        return client;
    }

    /** The first line, stripped, read by the rules banyan up reads it by (a regular UTF-8 file of at most 1 MiB). */
    private static String readToken(Path file) throws Exit {
        String first;
        try {
            first = banyan.os.TextFile.read(file).lines().findFirst().orElse("").strip();
        } catch (banyan.os.TextFile.Unreadable e) {
            throw new Exit(Main.USAGE, "--token-file " + e.about(file));
        }
        if (first.isEmpty()) throw new Exit(Main.USAGE, "--token-file " + file + " is empty; its first line must be the token");
        return first;
    }

    /** How long the server may wait before it answers a request that asks it to wait up to limit. */
    static java.time.Duration serverWait(java.time.Duration limit) {
        return limit.compareTo(banyan.control.Inputs.MAX_WAIT) < 0 ? limit : banyan.control.Inputs.MAX_WAIT;
    }

    /** A usage error (exit 2): the message, the synopsis, and where the help is. */
    private int usage(String message) {
        out().flush();
        return spec != null ? Usage.error(spec, err(), message) : Usage.error(getClass(), err(), message);
    }

    PrintWriter out() {
        if (out == null) out = spec.commandLine().getOut();
        return out;
    }

    PrintWriter err() {
        if (err == null) err = spec.commandLine().getErr();
        return err;
    }

    /** The value of --timeout; a usage error (exit 2) when it is not exactly a duration. */
    static java.time.Duration timeout(String value) throws Exit {
        return banyan.control.Inputs.duration(value).orElseThrow(() ->
                new Exit(Main.USAGE, "--timeout '" + value + "' is not a duration; write it like 500ms, 10s or 1m"));
    }

    /** A JSON answer; an error status becomes an Exit with the server's message. */
    static JsonObject json(ControlClient.Response r, int... accepted) throws IOException, Exit {
        String text = r.text();
        JsonElement e;
        try {
            e = JsonParser.parseString(text);
        } catch (RuntimeException bad) {
            throw new Exit(Main.FAILED, "unexpected answer (HTTP " + r.status() + "): " + text.strip());
        }
        JsonObject o = e.isJsonObject() ? e.getAsJsonObject() : new JsonObject();
        for (int a : accepted) if (a == r.status()) return o;
        if (r.status() / 100 == 2) return o;
        String message = o.has("error") && o.get("error").isJsonPrimitive() ? o.get("error").getAsString()
                : "HTTP " + r.status() + " without an error message: is this banyan's control API?";
        throw new Exit(exitCode(r.status()), message);
    }

    /**
     * 404, 400, 405, 413, 401: the caller asked wrongly (2); 503: every connection of the API has a
     * request in progress, so banyan cannot take this one now (3, as when it is not there); anything
     * else: the operation failed (1).
     */
    static int exitCode(int httpStatus) {
        return switch (httpStatus) {
            case 400, 401, 404, 405, 413 -> Main.USAGE;
            case 503 -> Main.UNREACHABLE;
            default -> Main.FAILED;
        };
    }

    private static int uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}

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
    @Option(names = "--control", paramLabel = "PATH", description = {"banyan's control socket (or http://HOST:PORT, with the token in BANYAN_TOKEN).",
            "Default: $BANYAN_CONTROL, else /run/banyan/control.sock for root, $XDG_RUNTIME_DIR/banyan/control.sock otherwise."})
    String control;

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
        ControlClient client = new ControlClient(ControlPath.resolve(Optional.ofNullable(control), System.getenv(), uid()).toString(),
                Optional.ofNullable(System.getenv("BANYAN_TOKEN")).filter(t -> !t.isEmpty()));
        try {
            return run(client);
        } catch (ControlClient.Unreachable e) {
            err().println("banyan: " + e.getMessage());
            return Main.UNREACHABLE;
        } catch (Exit e) {
            if (e.getMessage() != null && !e.getMessage().isEmpty()) err().println("banyan: " + e.getMessage());
            return e.code;
        } catch (IOException e) {
            err().println("banyan: lost the connection to banyan at " + client.where() + ": " + e.getMessage());
            return Main.UNREACHABLE;
        } finally {
            out().flush();
        }
    }

    PrintWriter out() {
        if (out == null) out = spec.commandLine().getOut();
        return out;
    }

    PrintWriter err() {
        if (err == null) err = spec.commandLine().getErr();
        return err;
    }

    /** A JSON answer; an error status becomes an Exit with the server's message. */
    /** The value of --timeout; a usage error (exit 2) when it is not a duration. */
    static java.time.Duration timeout(String value) throws Exit {
        return banyan.config.Durations.parse(value).orElseThrow(() ->
                new Exit(Main.USAGE, "--timeout '" + value + "' is not a duration; write it like 500ms, 10s or 1m"));
    }

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
        String message = o.has("error") ? o.get("error").getAsString() : "HTTP " + r.status();
        throw new Exit(exitCode(r.status()), message);
    }

    /** 404, 400, 405, 413, 401: the caller asked wrongly (2); anything else: the operation failed (1). */
    static int exitCode(int httpStatus) {
        return switch (httpStatus) {
            case 400, 401, 404, 405, 413 -> Main.USAGE;
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

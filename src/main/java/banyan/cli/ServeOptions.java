package banyan.cli;

import banyan.control.ControlPath;
import banyan.control.ControlServer;
import banyan.control.Events;
import banyan.logs.Logs;
import banyan.manage.Stack;
import banyan.os.Proc;
import banyan.os.TextFile;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** `banyan up` options for the control API: where it listens, and the TCP listener with its token. */
final class ServeOptions {
    @Option(names = "--control", paramLabel = "PATH", description = {"the control socket to create (mode 0600). Default: $BANYAN_CONTROL,",
            "else /run/banyan/control.sock for root, $XDG_RUNTIME_DIR/banyan/control.sock otherwise."})
    String control;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "also serve the API on TCP; needs --token-file")
    String listen;

    @Option(names = "--token-file", paramLabel = "FILE", description = "the bearer token TCP clients must send (first line of FILE)")
    Path tokenFile;

    /** Starts the API; a problem with the options or the socket is a usage error, said before any service starts. */
    ControlServer start(Stack stack, Logs logs, Events events, ControlServer.Hooks hooks) throws UsageError {
        Path socket = ControlPath.resolve(Optional.ofNullable(control), System.getenv(), Proc.uid());
        Optional<InetSocketAddress> tcp = Optional.empty();
        Optional<String> token = Optional.empty();
        if (listen != null) {
            int colon = listen.lastIndexOf(':');
            int port;
            try {
                port = Integer.parseInt(listen.substring(colon + 1));
            } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                port = -1;
            }
            if (colon <= 0 || port < 0 || port > 65535)
                throw new UsageError("--listen '" + listen + "' must be HOST:PORT, for example 127.0.0.1:7070");
            tcp = Optional.of(new InetSocketAddress(listen.substring(0, colon), port));
            if (tokenFile == null) throw new UsageError("--listen needs --token-file FILE: the TCP listener refuses to run without a token");
        }
        if (tokenFile != null) {
            try {
                token = TextFile.read(tokenFile).lines().findFirst().map(String::strip).filter(t -> !t.isEmpty());
            } catch (TextFile.Unreadable e) {
                throw new UsageError("--token-file " + e.about(tokenFile));
            }
            if (token.isEmpty()) throw new UsageError("--token-file " + tokenFile + " is empty; put a long random token on its first line");
        }
        try {
            return new ControlServer(new ControlServer.Options(socket, tcp, token, Duration.ofSeconds(30)), stack, logs, events, hooks);
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
    }

    static final class UsageError extends Exception {
        UsageError(String message) {
            super(message, null, false, false);
        }
    }
}

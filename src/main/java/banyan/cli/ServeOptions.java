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

    /** These options again, every path absolute: for the copy of banyan in RAM, which starts in /. */
    java.util.List<String> args() {
        java.util.List<String> a = new java.util.ArrayList<>();
        if (control != null) a.add("--control=" + (control.isEmpty() || control.contains("://") ? control : FromRam.absolute(Path.of(control))));
        if (listen != null) a.add("--listen=" + listen);
        if (tokenFile != null) a.add("--token-file=" + FromRam.absolute(tokenFile));
        return a;
    }

    /** Starts the API; a problem with the options or the socket is a usage error, said before any service starts. */
    ControlServer start(Stack stack, Logs logs, Events events, ControlServer.Hooks hooks) throws UsageError {
        Optional<String> address = ControlPath.address(Optional.ofNullable(control), System.getenv());
        if (address.isPresent())
            throw new UsageError((control != null && !control.isEmpty() ? "--control" : "BANYAN_CONTROL") + " '" + address.get()
                    + "' is an address, but this banyan needs the path of the socket to create; serve TCP with --listen HOST:PORT --token-file FILE");
        Path socket = ControlPath.resolve(Optional.ofNullable(control), System.getenv(), Proc.uid());
        Optional<InetSocketAddress> tcp = Optional.empty();
        Optional<String> token = Optional.empty();
        if (listen != null) {
            int colon = listen.lastIndexOf(':');
            String digits = colon < 0 ? "" : listen.substring(colon + 1);
            int port = digits.matches("[0-9]{1,5}") ? Integer.parseInt(digits) : -1; // exactly: no sign, no spaces
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

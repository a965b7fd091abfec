package banyan.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the tests run the `banyan` client: as both launchers do, through the native client first
 * (target/banyan-client, built beside banyan-exec) for status, start, stop, restart and wait, which
 * falls through to this JVM's classes by running the launcher again with BANYAN_NO_NATIVE_CLIENT=1.
 * The launcher here is a small sh script with the same two steps; with BANYAN_TEST_FELL_THROUGH=FILE
 * it appends a line to FILE each time the JVM client is run after the native one gave the command up.
 */
final class Client {
    private Client() {}

    static final Path NATIVE = Path.of(System.getProperty("banyan.exec")).resolveSibling("banyan-client");
    private static Path launcher;

    /** sh LAUNCHER ARGS... */
    static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", launcher().toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static synchronized Path launcher() {
        if (launcher != null) return launcher;
        assertTrue(Files.isExecutable(NATIVE), NATIVE + " is built by mvn compile (src/main/c/banyan-client.c)");
        StringBuilder java = new StringBuilder("exec");
        for (String a : RealUp.java()) java.append(' ').append(quote(a));
        String script = """
                #!/bin/sh
                case ${1:-} in
                  status|start|stop|restart|wait)
                    [ -n "${BANYAN_NO_NATIVE_CLIENT:-}" ] || exec %s "$0" "$@" ;;
                esac
                [ -z "${BANYAN_NO_NATIVE_CLIENT:-}" ] || [ -z "${BANYAN_TEST_FELL_THROUGH:-}" ] || echo "$*" >> "$BANYAN_TEST_FELL_THROUGH"
                %s "$@"
                """.formatted(quote(NATIVE.toString()), java);
        try {
            Path dir = Files.createTempDirectory("banyan-launcher");
            Path file = dir.resolve("banyan");
            Files.writeString(file, script);
            file.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            launcher = file;
            return file;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}

package banyan.cli;

import java.io.BufferedWriter;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;

/**
 * `banyan status [NAME] [--json] [--control PATH] [--token-file FILE]` without picocli. Building picocli's model of a
 * command costs more than the rest of a status call (its classes are Java 5 bytecode, which the
 * AOT cache cannot keep linked, and the model is built by reflection), and status is the command
 * people and scripts run in loops. Only the plain shapes are taken here: anything else (help,
 * version, @files, `--`, repeated or unknown options, a value that looks like an option) goes to
 * picocli, which then prints its usual message and exit code. Output goes through writers made
 * as picocli makes them, so both paths print the same bytes.
 */
final class FastPath {
    private FastPath() {}

    /** The exit code, or -1 when args are not a plain status call. */
    static int run(String[] args) {
        StatusCommand c = status(args);
        if (c == null) return -1;
        c.out = writer(System.out, "sun.stdout.encoding");
        c.err = writer(System.err, "sun.stderr.encoding");
        try {
            return c.call();
        } catch (Exception e) { // as Main's execution exception handler
            c.err.println("banyan: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return Main.FAILED;
        } finally {
            c.err.flush();
        }
    }

    /** args as a StatusCommand, or null when picocli should parse them. */
    static StatusCommand status(String[] args) {
        if (args.length == 0 || !args[0].equals("status")) return null;
        StatusCommand c = new StatusCommand();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.isEmpty() || a.startsWith("@")) return null;
            if (a.equals("--json")) {
                if (c.json) return null;
                c.json = true;
            } else if (a.equals("--control") || a.startsWith("--control=")) {
                String v = a.equals("--control") ? (++i < args.length ? args[i] : "") : a.substring("--control=".length());
                if (c.control != null || v.isEmpty() || v.startsWith("-") || v.startsWith("@")) return null;
                c.control = v;
            } else if (a.equals("--token-file") || a.startsWith("--token-file=")) {
                String v = a.equals("--token-file") ? (++i < args.length ? args[i] : "") : a.substring("--token-file=".length());
                if (c.tokenFile != null || v.isEmpty() || v.startsWith("-") || v.startsWith("@")) return null;
                c.tokenFile = java.nio.file.Path.of(v);
            } else if (a.startsWith("-") || c.name != null) {
                return null;
            } else {
                c.name = a;
            }
        }
        return c;
    }

    /** As picocli's CommandLine.getOut and getErr make them. */
    static PrintWriter writer(OutputStream stream, String encodingProperty) {
        String e = System.getProperty(encodingProperty);
        Charset charset = e == null ? Charset.defaultCharset() : Charset.forName("cp65001".equalsIgnoreCase(e) ? "UTF-8" : e);
        return new PrintWriter(new BufferedWriter(new OutputStreamWriter(stream, charset)), true);
    }
}

package banyan.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Pieces of API paths built from user input. */
final class Paths {
    private Paths() {}

    /** NAME as one path segment: a name with '/' or '?' reaches the server as a name (and gets a 404), not as another route. */
    static String segment(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String query(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}

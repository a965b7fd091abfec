package banyan.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** What `banyan up` is told about its API is read exactly, before anything starts (so no stack is needed here). */
class ServeOptionsTest {
    @TempDir
    Path dir;

    String refused(String control, String listen) {
        ServeOptions o = new ServeOptions();
        o.control = control;
        o.listen = listen;
        return assertThrows(ServeOptions.UsageError.class, () -> o.start(null, null, null, null)).getMessage();
    }

    @Test
    void anAddressIsNotASocketToCreate() {
        assertEquals("--control 'http://127.0.0.1:7070' is an address, but this banyan needs the path of the socket to create;"
                + " serve TCP with --listen HOST:PORT --token-file FILE", refused("http://127.0.0.1:7070", null));
    }

    @Test
    void aPortIsDigitsOnly() {
        String socket = dir.resolve("control.sock").toString();
        for (String listen : new String[]{"127.0.0.1:+80", "127.0.0.1: 80", "127.0.0.1:80 ", "127.0.0.1:", "127.0.0.1:65536", ":80", "80"})
            assertEquals("--listen '" + listen + "' must be HOST:PORT, for example 127.0.0.1:7070", refused(socket, listen), listen);
    }
}

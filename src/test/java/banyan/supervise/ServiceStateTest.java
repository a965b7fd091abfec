package banyan.supervise;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class ServiceStateTest {
    @ParameterizedTest(name = "{0}: down {1}, settled {2}, running {3}")
    @CsvSource({
            // wire,   isDown, isSettled, isRunning
            "down,     true,   true,      false",
            "starting, false,  false,     true",
            "up,       false,  true,      true",
            "stopping, false,  false,     true",
            "backoff,  false,  false,     false",
            "failed,   true,   true,      false",
            "done,     false,  true,      false",
    })
    void predicates(String wire, boolean down, boolean settled, boolean running) {
        ServiceState s = ServiceState.parse(wire).orElseThrow();
        assertEquals(wire, s.wire());
        assertEquals(wire, s.toString(), "text built by concatenation shows the wire name too");
        assertEquals(down, s.isDown());
        assertEquals(settled, s.isSettled());
        assertEquals(running, s.isRunning());
    }

    @Test
    void everyStateHasItsOwnWireNameAndUnknownWordsParseToNothing() {
        assertEquals(7, Stream.of(ServiceState.values()).map(ServiceState::wire).distinct().count());
        assertEquals(Optional.empty(), ServiceState.parse("UP"));
        assertEquals(Optional.empty(), ServiceState.parse("running"));
    }

    /**
     * A state compared with a word compiles (equals takes any Object) and is always false: code
     * written before states were a type, merged later, would break silently. None may remain.
     */
    @Test
    void noSourceComparesAStateWithAWord() throws IOException {
        Pattern bad = Pattern.compile("\\.state\\(\\)\\s*\\.equals\\(|\\.equals\\(\\s*[\\w.()]*\\.state\\(\\)\\s*\\)");
        List<String> found = new ArrayList<>();
        for (String root : List.of("src/main/java", "src/test/java")) {
            assertTrue(Files.isDirectory(Path.of(root)), "run from the project's directory: " + Path.of("").toAbsolutePath());
            try (Stream<Path> files = Files.walk(Path.of(root))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    List<String> lines = Files.readAllLines(f);
                    for (int i = 0; i < lines.size(); i++)
                        if (bad.matcher(lines.get(i)).find()) found.add(f + ":" + (i + 1) + ": " + lines.get(i).strip());
                }
            }
        }
        assertEquals(List.of(), found, "compare with ServiceState constants or its predicates");
    }
}

package banyan.config;

import java.util.List;
import java.util.stream.Collectors;

/** Every problem found in a configuration, reported together; the caller exits 2. */
public final class ConfigException extends Exception {
    private final List<Problem> problems;

    public ConfigException(List<Problem> problems) {
        super(problems.stream().map(Problem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }
}

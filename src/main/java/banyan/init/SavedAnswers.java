package banyan.init;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.function.Consumer;

/** --save-answers: the answers that differ from the configuration, as a vars file that --vars replays. */
final class SavedAnswers {
    private SavedAnswers() {}

    static String render(Map<String, String> answers, Map<String, String> before) {
        StringBuilder b = new StringBuilder("# answers of a bring-up by steps, written by banyan; replay with --vars FILE\n");
        answers.forEach((step, value) -> {
            b.append("# step ").append(step);
            if (before.containsKey(step)) b.append(" (the configuration said ").append(quote(before.get(step))).append(')');
            b.append('\n');
            b.append(step.startsWith("service.") ? "service." + quote(step.substring(8)) : step).append(" = ").append(quote(value)).append('\n');
        });
        return b.toString();
    }

    /** Written whole or not at all (a temporary file renamed over it); a failure is said, not fatal. */
    static void write(Path file, Map<String, String> answers, Map<String, String> before, Consumer<String> log) {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, render(answers, before), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            log.accept("--save-answers " + file + ": cannot write: " + e.getMessage());
        }
    }

    /** A TOML basic string. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}

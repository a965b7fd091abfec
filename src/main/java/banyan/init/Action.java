package banyan.init;

import java.util.Locale;
import java.util.Optional;

/** What happens after stage 4 on a machine. In a container every action means: exit. */
public enum Action {
    REBOOT, POWEROFF, HALT;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Action> parse(String word) {
        for (Action a : values()) if (a.word().equals(word)) return Optional.of(a);
        return Optional.empty();
    }
}

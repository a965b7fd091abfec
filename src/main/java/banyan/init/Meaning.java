package banyan.init;

import banyan.os.Signals;

/**
 * What a signal to PID 1 means, by mode: one table (docs/init.md, "Signals"). On a machine it
 * follows busybox init (USR1 halt, USR2 poweroff) and the kernel (INT is ctrl-alt-del, PWR a
 * power failure); in a container every stop signal stops it and USR1/USR2 belong to MAIN, as with tini.
 */
sealed interface Meaning {
    record Shutdown(Action action) implements Meaning {}

    record ForwardToMain() implements Meaning {}

    record Reload() implements Meaning {}

    record Ignore(String why) implements Meaning {}

    static Meaning of(Init.Mode mode, int signal) {
        if (signal == Signals.HUP) return new Reload();
        return switch (mode) {
            case CONTAINER -> switch (signal) {
                case Signals.TERM, Signals.INT, Signals.PWR -> new Shutdown(Action.POWEROFF);
                case Signals.USR1, Signals.USR2 -> new ForwardToMain();
                default -> new Ignore("no meaning in a container");
            };
            case MACHINE -> switch (signal) {
                case Signals.INT -> new Shutdown(Action.REBOOT);
                case Signals.USR1 -> new Shutdown(Action.HALT);
                case Signals.PWR, Signals.USR2 -> new Shutdown(Action.POWEROFF);
                default -> new Ignore("ignored on a machine: send SIGINT (reboot), SIGPWR or SIGUSR2 (poweroff), SIGUSR1 (halt)");
            };
        };
    }
}

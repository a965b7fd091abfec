package banyan.os;

/**
 * Handlers for the signals banyan itself receives. The JVM's own dispatcher runs them on a
 * thread of its own; each handler only hands the signal over.
 */
public final class SignalHandlers {
    private SignalHandlers() {}

    /** Installs handler for signal (by number); false when the JVM reserves that signal. */
    public static boolean on(int signal, Runnable handler) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(Signals.name(signal).substring(3)), s -> handler.run());
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}

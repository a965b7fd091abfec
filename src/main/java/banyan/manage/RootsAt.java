package banyan.manage;

import banyan.roots.Roots;

import java.nio.file.Path;

/** Where a stack's roots are seen (Roots.BASE but in tests), and who hears of their changes (events, console; it must not block). */
public record RootsAt(Path base, Roots.Listener listener) {
    public static final RootsAt DEFAULT = new RootsAt(Roots.BASE, (before, now) -> {});

    /** At Roots.BASE, told to listener when it is a Roots.Listener too (cli.Plane's is), else to nobody. */
    public static RootsAt heardBy(Object listener) {
        return listener instanceof Roots.Listener r ? new RootsAt(Roots.BASE, r) : DEFAULT;
    }
}

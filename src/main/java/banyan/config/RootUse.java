package banyan.config;

import java.util.List;

/**
 * A service's view of the world when it lives on a root: `root = "NAME"` and `binds`.
 *
 * @param place where `root` was written, for errors that name it after every file is read
 */
public record RootUse(String root, List<Bind> binds, Place place) {
    public RootUse {
        binds = List.copyOf(binds);
    }

    /** HOST:INSIDE[:ro]: a host path bound at a path inside the service's root. */
    public record Bind(String host, String inside, boolean readOnly) {}

    /** Equality without the place. */
    public boolean sameAs(RootUse o) {
        return root.equals(o.root) && binds.equals(o.binds);
    }
}

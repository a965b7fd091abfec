package banyan.roots;

/**
 * What a root is doing. The wire name is what JSON, metrics and the console show (design.md
 * section 6, plus `down` for a root that is not wanted), and also what {@link #toString} gives.
 */
public enum RootState {
    DOWN("down"), ACQUIRING("acquiring"), UP("up"), LOST("lost"), RELEASING("releasing"),
    /** No source could be had; the list is tried again with backoff. */
    FAILED("failed");

    private final String wire;

    RootState(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    @Override
    public String toString() {
        return wire;
    }
}

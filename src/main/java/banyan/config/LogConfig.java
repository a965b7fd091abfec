package banyan.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where service logs go and how much of them is kept: each service writes NAME.log in dir, which
 * is rotated to NAME.log.1 ... when it would pass maxSize, keeping maxFiles files in all.
 *
 * @param dir empty: the default (/var/log/banyan for root, $XDG_STATE_HOME/banyan/log otherwise)
 */
public record LogConfig(Optional<Path> dir, long maxSize, int maxFiles) {
    /** 4 MiB × 5 files: about 20 MiB of history per service, small enough for a machine's /var. */
    public static final long DEFAULT_MAX_SIZE = 4L << 20;
    public static final int DEFAULT_MAX_FILES = 5;
    /** The longest line piece (16 KiB) plus its prefix must fit in one file. */
    public static final long MIN_MAX_SIZE = 32L << 10;

    public static final LogConfig DEFAULT = new LogConfig(Optional.empty(), DEFAULT_MAX_SIZE, DEFAULT_MAX_FILES);
}

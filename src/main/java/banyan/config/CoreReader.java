package banyan.config;

import org.tomlj.TomlParseResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * `[core]` (design.md section 7): what is copied into the root named core, a tmpfs that no loss
 * takes away. The root exists when `[core]` is given or a service has root = "core".
 */
final class CoreReader {
    private CoreReader() {}

    static final String NAME = "core";
    static final Set<String> KEYS = Set.of("copy", "size");
    static final long DEFAULT_SIZE = 64L << 20;
    static final String DEFAULT_PROGRAM = "/bin/busybox";
    /** Copying a large tree into RAM takes a while; the copy is a child killed after this. */
    static final Duration COPY_TIMEOUT = Duration.ofSeconds(60);

    /** `[core]` as read from one file: its entries, size and where it was written. */
    record Spec(List<String> copy, long size, Fields at) {}

    static Optional<Spec> read(Path file, TomlParseResult toml, Fields top, Optional<Spec> before, List<Problem> problems) {
        if (!toml.contains("core")) return before;
        if (!toml.isTable("core")) {
            top.error("core", "must be a table: [core]");
            return before;
        }
        Fields f = top.sub(toml.getTable("core"), "core", toml.inputPositionOf("core"));
        if (before.isPresent()) {
            f.error(null, "[core] is already defined at " + before.get().at().place(null) + "; give it once");
            return before;
        }
        int count = f.problemCount();
        f.rejectUnknown(KEYS);
        List<String> copy = f.strings("copy").orElse(List.of(DEFAULT_PROGRAM));
        if (f.has("copy") && copy.isEmpty()) f.error("copy", "is empty; name what the core holds, such as [\"/bin/busybox\"]");
        for (int i = 0; i < copy.size(); i++)
            if (!copy.get(i).startsWith("/") || copy.get(i).contains("/../") || copy.get(i).endsWith("/.."))
                f.error("copy", "element " + (i + 1) + " '" + copy.get(i) + "' must be an absolute path without ..");
        long size = f.string("size").map(t -> Sizes.parse(t).filter(n -> n >= 1 << 20).orElseGet(() -> {
            f.error("size", "'" + t + "' is not a size of at least 1MiB; write it like \"64MiB\"");
            return -1L;
        })).orElse(DEFAULT_SIZE);
        if (f.problemCount() > count) return Optional.empty();
        return Optional.of(new Spec(copy, size, f));
    }

    /** The core root, when [core] is given or a service lives on it; its files resolved and measured, or a located problem. */
    static void add(Optional<Spec> spec, Map<String, ServiceConfig> services, Map<String, RootConfig> roots, List<Problem> problems) {
        Optional<Place> user = services.values().stream().flatMap(s -> s.root().stream()).filter(r -> r.root().equals(NAME))
                .map(RootUse::place).findFirst();
        if (spec.isEmpty() && user.isEmpty()) return;
        int before = problems.size();
        List<String> copy = spec.map(Spec::copy).orElse(List.of(DEFAULT_PROGRAM));
        long size = spec.map(Spec::size).orElse(DEFAULT_SIZE);
        Place place = spec.map(s -> s.at().place(null)).orElse(user.orElse(null));
        String where = spec.isPresent() ? "core.copy: " : "service on root = \"core\": ";
        SequencedSet<String> files = new LinkedHashSet<>();
        long bytes = 0;
        for (String entry : copy) {
            Path p = Path.of(entry);
            if (!Files.exists(p)) {
                problems.add(place(spec, "copy", place).problem(where + "'" + entry + "' does not exist"
                        + (entry.equals(DEFAULT_PROGRAM) ? " (install Debian's busybox-static, or name the core's programs in [core] copy)"
                        : "; name a file or directory that exists")));
                continue;
            }
            try {
                files.add(entry);
                bytes += measure(p);
                if (Files.isRegularFile(p)) for (String dep : ElfDeps.of(p)) if (files.add(dep)) bytes += measure(Path.of(dep));
            } catch (ElfDeps.Missing m) {
                problems.add(place(spec, "copy", place).problem(where + "'" + entry + "': " + m.getMessage()
                        + "; install it, or copy a static build"));
            } catch (IOException | UncheckedIOException e) {
                problems.add(place(spec, "copy", place).problem(where + "'" + entry + "' cannot be read: " + e.getMessage()));
            }
        }
        if (problems.size() == before && bytes > size)
            problems.add(place(spec, "size", place).problem("core.size: the copy needs " + mib(bytes) + " but the core's tmpfs holds "
                    + mib(size) + "; raise [core] size, as in size = \"" + ((bytes >> 20) + 8) + "MiB\""));
        if (problems.size() > before) return;
        roots.put(NAME, new RootConfig(NAME, List.of(new RootConfig.Core("copy", new ArrayList<>(files), size)), Optional.empty(),
                COPY_TIMEOUT, false, place));
    }

    private static Place place(Optional<Spec> spec, String key, Place fallback) {
        return spec.map(s -> s.at().has(key) ? s.at().place(key) : s.at().place(null)).orElse(fallback);
    }

    /** What a file or tree takes in a tmpfs: pages, symbolic links followed (the copy follows them too). */
    private static long measure(Path p) throws IOException {
        try (Stream<Path> all = Files.walk(p, FileVisitOption.FOLLOW_LINKS)) {
            return all.mapToLong(f -> {
                try {
                    return Files.isRegularFile(f) ? (Files.size(f) + 4095) / 4096 * 4096 : 4096;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        }
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }
}

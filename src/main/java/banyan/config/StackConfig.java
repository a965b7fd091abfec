package banyan.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/** A whole configuration: services in file order (the order `banyan up` starts them in). */
public record StackConfig(List<Path> sources, Map<String, String> boot, SequencedMap<String, ServiceConfig> services,
                          LogConfig log) {
    public StackConfig(List<Path> sources, Map<String, String> boot, SequencedMap<String, ServiceConfig> services) {
        this(sources, boot, services, LogConfig.DEFAULT);
    }

    public StackConfig {
        sources = List.copyOf(sources);
        boot = Map.copyOf(boot);
        services = java.util.Collections.unmodifiableSequencedMap(new java.util.LinkedHashMap<>(services));
    }
}

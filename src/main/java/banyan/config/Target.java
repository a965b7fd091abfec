package banyan.config;

import java.util.List;

/** A named group of services ([target.NAME]): what `banyan up` brings up is [boot].target. */
public record Target(String name, List<String> requires, List<String> wants, Place place) {
    public Target {
        requires = List.copyOf(requires);
        wants = List.copyOf(wants);
    }
}

package banyan.manage;

import banyan.config.ServiceConfig;
import banyan.config.StackConfig;
import banyan.supervise.Host;
import banyan.supervise.ServiceStatus;
import banyan.supervise.Supervisor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;

/** The running services of one configuration: brought up in file order, down in reverse. */
public final class Stack {
    private final Host host;
    private final SequencedMap<String, Supervisor> supervisors = new LinkedHashMap<>();

    public Stack(StackConfig config, Host host) {
        this.host = host;
        for (ServiceConfig s : config.services().values()) supervisors.put(s.name(), new Supervisor(s, host));
    }

    public void up() {
        supervisors.values().forEach(Supervisor::start);
    }

    /** Stops every service in reverse start order, each given its own stop_timeout (then SIGKILL). */
    public void down() throws InterruptedException {
        for (Supervisor s : supervisors.reversed().values()) {
            s.stop();
            Duration limit = s.config().stopTimeout().plus(Duration.ofSeconds(10)); // SIGKILL at stop_timeout; the rest is cleanup slack
            s.await(st -> isDown(st), limit);
        }
        supervisors.values().forEach(Supervisor::close);
    }

    /** SIGKILL to every service at once. */
    public void killNow() {
        supervisors.values().forEach(Supervisor::killNow);
    }

    public Optional<Supervisor> get(String name) {
        return Optional.ofNullable(supervisors.get(name));
    }

    public List<ServiceStatus> statuses() {
        List<ServiceStatus> out = new ArrayList<>();
        for (Supervisor s : supervisors.values()) out.add(s.status());
        return out;
    }

    static boolean isDown(ServiceStatus s) {
        return switch (s.state()) {
            case "down", "failed", "done" -> true;
            default -> false;
        };
    }
}

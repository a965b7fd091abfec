package banyan.config;

import banyan.os.Users.Identity;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One service, validated and sealed. Equality is what reload-by-diff compares: two equal
 * configs mean the running instance may stay (the source place is excluded for that reason).
 *
 * @param command     argv; a string command in the file becomes ["/bin/sh", "-c", text]
 * @param env         env_file merged with env (env wins), without banyan's own environment
 * @param oneshot     type = "oneshot": runs to completion, `done` when it exits 0
 * @param stopCommand a oneshot's stop_command, run on the way down
 * @param critical    in init mode, its failure for good shuts the container (or machine) down
 * @param logger      argv of an external logger that gets stdout and stderr on its stdin instead of banyan's log files
 * @param root        the root it lives on (`root`, `binds`), if any
 */
public record ServiceConfig(String name, List<String> command, RestartPolicy restart, int stopSignal, Duration stopTimeout,
                            Map<String, String> env, Optional<String> workingDir, Optional<Identity> user,
                            Place place, Readiness readiness, Dependencies deps, boolean oneshot,
                            Optional<List<String>> stopCommand, boolean critical, Optional<List<String>> logger,
                            Optional<RootUse> root) {
    public ServiceConfig {
        command = List.copyOf(command);
        env = Map.copyOf(env);
        stopCommand = stopCommand.map(List::copyOf);
        logger = logger.map(List::copyOf);
    }

    /** A service on no root. */
    public ServiceConfig(String name, List<String> command, RestartPolicy restart, int stopSignal, Duration stopTimeout,
                         Map<String, String> env, Optional<String> workingDir, Optional<Identity> user,
                         Place place, Readiness readiness, Dependencies deps, boolean oneshot,
                         Optional<List<String>> stopCommand, boolean critical, Optional<List<String>> logger) {
        this(name, command, restart, stopSignal, stopTimeout, env, workingDir, user, place, readiness, deps, oneshot, stopCommand,
                critical, logger, Optional.empty());
    }

    /** A service that is not critical and has no external logger. */
    public ServiceConfig(String name, List<String> command, RestartPolicy restart, int stopSignal, Duration stopTimeout,
                         Map<String, String> env, Optional<String> workingDir, Optional<Identity> user,
                         Place place, Readiness readiness, Dependencies deps, boolean oneshot, Optional<List<String>> stopCommand) {
        this(name, command, restart, stopSignal, stopTimeout, env, workingDir, user, place, readiness, deps, oneshot, stopCommand,
                false, Optional.empty());
    }

    /**
     * Equality without the source place and the dependency edges: moving a section in the file, or
     * changing what a service is ordered after, changes nothing that runs.
     */
    public boolean sameAs(ServiceConfig o) {
        return name.equals(o.name) && command.equals(o.command) && restart.equals(o.restart) && stopSignal == o.stopSignal
                && stopTimeout.equals(o.stopTimeout) && env.equals(o.env) && workingDir.equals(o.workingDir) && user.equals(o.user)
                && readiness.equals(o.readiness) && oneshot == o.oneshot && stopCommand.equals(o.stopCommand)
                && critical == o.critical && logger.equals(o.logger)
                && root.map(r -> o.root.isPresent() && r.sameAs(o.root.get())).orElse(o.root.isEmpty());
    }

    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);
}

package banyan.supervise;

import banyan.os.Reaper.Exit;

import java.time.Instant;
import java.util.Optional;

/**
 * What a service is doing, as status and the API show it. Immutable; a new one is published on each change.
 *
 * @param pid      the main process, 0 when none
 * @param restarts how many times it was started again after a death or a restart request
 * @param since    when it entered this state
 * @param reason   why it is in this state (the last exit, "stop requested", the intensity verdict)
 */
public record ServiceStatus(String name, ServiceState state, boolean ready, int pid, int restarts, Instant since,
                            Optional<Exit> lastExit, String reason, String statusText) {}

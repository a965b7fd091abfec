package banyan.supervise;

import banyan.config.Dependencies;
import banyan.config.Readiness;
import banyan.config.RestartPolicy;
import banyan.config.ServiceConfig;
import banyan.os.Fd;
import banyan.os.Signals;

import java.time.Duration;
import java.util.Optional;

/**
 * A service's external logger (logger = [...]) for one run of the service: from a start until
 * the service is down or failed. The service's stdout and stderr are the write end of one pipe
 * whose read end is the logger's stdin. banyan holds both ends for the whole run, so what the
 * service writes while the logger restarts waits in the pipe (the service blocks once it is
 * full) instead of being lost. The logger is supervised like a service, named NAME/log.
 */
final class Logger {
    private final Fd.Pipe pipe = Fd.pipe(false); // blocking both ways: the logger reads, the service writes
    private final Supervisor supervisor;
    private final Duration stopTimeout;

    /** Called on the service's thread. */
    Logger(ServiceConfig service, Host host) {
        this.stopTimeout = service.stopTimeout();
        try {
            this.supervisor = new Supervisor(config(service), host, pipe.readEnd()).open();
        } catch (RuntimeException e) {
            pipe.close();
            throw e;
        }
        supervisor.start();
    }

    /**
     * Runs as the service would (env, user, working_dir), restarted whenever it ends: with the
     * service's backoff, but never given up on, because a logger that stays down stalls the
     * service once the pipe is full.
     */
    static ServiceConfig config(ServiceConfig s) {
        RestartPolicy always = s.restart().withMode(RestartPolicy.Mode.ALWAYS).withMaxRestarts(Integer.MAX_VALUE);
        return new ServiceConfig(s.name() + "/log", s.logger().orElseThrow(), always, Signals.TERM, s.stopTimeout(), s.env(),
                s.workingDir(), s.user(), s.place(), Readiness.NONE, Dependencies.NONE, false, Optional.empty());
    }

    /** The fd the service's instances get as stdout and stderr. */
    int input() {
        return pipe.writeEnd();
    }

    ServiceStatus status() {
        return supervisor.status();
    }

    /** A second Ctrl-C: SIGKILL now, and no restart. */
    void killNow() {
        supervisor.stop();
        supervisor.killNow();
    }

    /**
     * Ends the run once no process of the service is left (on the service's thread, which waits).
     * banyan closes its write end, so the logger reads what is left, sees end of file and exits,
     * and is not restarted. One that has not exited within stop_timeout gets SIGTERM, and SIGKILL
     * after another stop_timeout.
     */
    void end() throws InterruptedException {
        if (Fd.unread(pipe.readEnd()) > 0) // a logger that died just before is needed once more: let it come back
            supervisor.await(s -> s.state() != ServiceState.BACKOFF, stopTimeout);
        supervisor.finish(stopTimeout.multipliedBy(2)); // first: its exit at end of file must find it finishing
        Fd.close(pipe.writeEnd());
        if (!supervisor.await(s -> s.state().isDown(), stopTimeout)) {
            System.err.println("banyan: " + supervisor.name() + ": still running " + stopTimeout.toMillis()
                    + " ms after its input ended; sending SIGTERM");
            supervisor.signal(Signals.TERM);
            supervisor.await(s -> s.state().isDown(), stopTimeout.plusSeconds(5));
        }
        int left = Fd.unread(pipe.readEnd());
        if (left > 0) System.err.println("banyan: " + supervisor.name() + ": ended with " + left + " bytes of output unread");
        supervisor.close();
        supervisor.awaitClosed();
        Fd.close(pipe.readEnd());
    }
}

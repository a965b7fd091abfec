package banyan.supervise;

import banyan.config.Probe;
import banyan.os.Reaper;
import banyan.os.Signals;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One try of a polled probe (tcp, http, exec), on the caller's virtual thread. Exec probes are
 * spawned through the reaper like every other process, in their own session, and killed with
 * their whole group at the timeout: a hung probe can never hang the supervisor.
 */
final class Probes {
    private Probes() {}

    /** Empty when the probe passed; otherwise why it failed. */
    static Optional<String> check(Probe p, Duration timeout, Launcher launcher, int devNull) throws InterruptedException {
        int ms = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        return switch (p) {
            case Probe.Tcp t -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(t.host(), t.port()), ms);
                    yield Optional.empty();
                } catch (IOException e) {
                    yield Optional.of("tcp " + t.host() + ":" + t.port() + ": " + e.getMessage());
                }
            }
            case Probe.Http h -> http(h.url(), ms);
            case Probe.Exec x -> exec(x, timeout, launcher, devNull);
            case Probe.Notify n -> Optional.of("notify is not polled");
            case Probe.Fd f -> Optional.of("fd is not polled");
            case Probe.Log l -> Optional.of("log is not polled");
        };
    }

    private static Optional<String> http(String url, int ms) {
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) URI.create(url).toURL().openConnection(java.net.Proxy.NO_PROXY);
            c.setConnectTimeout(ms);
            c.setReadTimeout(ms);
            c.setInstanceFollowRedirects(false);
            int code = c.getResponseCode();
            return code >= 200 && code < 300 ? Optional.empty() : Optional.of("http " + url + ": status " + code);
        } catch (IOException | IllegalArgumentException e) {
            return Optional.of("http " + url + ": " + e.getMessage());
        } finally {
            if (c != null) c.disconnect();
        }
    }

    private static Optional<String> exec(Probe.Exec x, Duration timeout, Launcher launcher, int devNull) throws InterruptedException {
        CompletableFuture<Reaper.Exit> exit = new CompletableFuture<>();
        int pid;
        try {
            pid = launcher.spawn(x.argv(), Map.of(0, devNull, 1, devNull, 2, devNull), Optional.empty(), Map.of(), exit::complete);
        } catch (Launcher.LaunchException | RuntimeException e) {
            return Optional.of("exec: " + e.getMessage());
        }
        try {
            Reaper.Exit e = exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return e.success() ? Optional.empty() : Optional.of("exec " + x.argv().getFirst() + ": " + e.describe());
        } catch (TimeoutException e) {
            Reaper.get().signalGroup(pid, Signals.KILL);
            try {
                exit.get(5, TimeUnit.SECONDS);
            } catch (TimeoutException | ExecutionException ignored) {
                // reaped later by the reaper; nothing more to do here
            }
            return Optional.of("exec " + x.argv().getFirst() + ": no answer within " + timeout.toMillis() + "ms");
        } catch (ExecutionException e) {
            return Optional.of("exec: " + e.getCause());
        } finally {
            if (Thread.interrupted()) { // a cancelled probe still reaps what it spawned
                Reaper.get().signalGroup(pid, Signals.KILL);
                Thread.currentThread().interrupt();
            }
        }
    }
}

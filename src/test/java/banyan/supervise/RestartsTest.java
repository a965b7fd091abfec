package banyan.supervise;

import banyan.config.RestartPolicy;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class RestartsTest {
    static final long MS = 1_000_000L, S = 1000 * MS;
    final RestartPolicy p = RestartPolicy.DEFAULT;

    @Test
    void delaysDoubleFromBackoffToTheCapWithJitterOfTwentyPercent() {
        Restarts r = Restarts.fresh(p);
        var big = new RestartPolicy(p.mode(), p.minUptime(), p.backoff(), p.backoffMax(), p.backoffReset(), 1000, p.restartWindow());
        long expected = 100 * MS, now = 0;
        for (int i = 0; i < 12; i++) {
            var d = assertInstanceOf(Restarts.After.class, r.afterDeath(big, now, 0, 0.0));
            assertEquals(Math.round(expected * 0.8), d.delayNanos());
            expected = Math.min(expected * 2, 30 * S);
            r = d.memory();
            now += S;
        }
        var hi = assertInstanceOf(Restarts.After.class, r.afterDeath(big, now, 0, 0.999_999));
        assertTrue(hi.delayNanos() <= 36 * S && hi.delayNanos() > 35 * S, "capped at 30 s plus at most 20%");
    }

    @Test
    void aLongUptimeRestartsAtOnceAndResetsTheGrowth() {
        Restarts r = Restarts.fresh(p);
        for (int i = 0; i < 3; i++) r = r.afterDeath(p, i * MS, 0, 0.5).memory();
        assertEquals(800 * MS, r.nextDelayNanos());
        var middle = assertInstanceOf(Restarts.Now.class, r.afterDeath(p, S, 2 * S, 0.5));
        assertEquals(800 * MS, middle.memory().nextDelayNanos(), "between min_uptime and backoff_reset: at once, growth kept");
        var reset = assertInstanceOf(Restarts.Now.class, r.afterDeath(p, S, 10 * S, 0.5));
        assertEquals(100 * MS, reset.memory().nextDelayNanos());
        assertTrue(reset.memory().quickDeaths().isEmpty());
    }

    @Test
    void intensityCountsOnlyDeathsInsideTheWindow() {
        Restarts r = Restarts.fresh(p);
        long now = 0;
        for (int i = 0; i < 5; i++, now += 10 * S) r = r.afterDeath(p, now, 0, 0.5).memory(); // 5 deaths, 10 s apart
        // the window (30 s) now holds deaths at 20, 30, 40 s: one more is 4, still allowed
        assertInstanceOf(Restarts.After.class, r.afterDeath(p, now, 0, 0.5));
        Restarts burst = Restarts.fresh(p);
        for (int i = 0; i < 5; i++) burst = burst.afterDeath(p, i * MS, 0, 0.5).memory();
        assertInstanceOf(Restarts.GiveUp.class, burst.afterDeath(p, 6 * MS, 0, 0.5));
    }
}

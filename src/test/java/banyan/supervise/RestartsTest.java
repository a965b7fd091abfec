package banyan.supervise;

import banyan.config.RestartPolicy;
import banyan.config.RestartPolicy.Mode;
import banyan.supervise.Restarts.History;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The restart verdict as tables: mode × way of dying × uptime × recent quick deaths. */
class RestartsTest {
    static final long MS = 1_000_000L, S = 1000 * MS;
    final RestartPolicy p = RestartPolicy.DEFAULT; // min_uptime 1s, backoff 100ms doubling to 30s, reset 10s, 5 within 30s

    /** k quick deaths in the last k ms before now, and the delay they grew to. */
    static History after(int k, long now) {
        List<Long> deaths = new ArrayList<>();
        for (int i = k; i > 0; i--) deaths.add(now - i * MS);
        return new History(Math.min(100 * MS << k, 30 * S), deaths);
    }

    @ParameterizedTest(name = "{0}, failure {1}, up {2} ms, {3} quick deaths before -> {4} {5}")
    @CsvSource({
            // mode,     failure, uptime ms, quick deaths, verdict, delay ms (jitter 0.5: none)
            "ALWAYS,     false,   5000,      0,            Now,     -",
            "ALWAYS,     true,    5000,      3,            Now,     -",
            "ALWAYS,     true,    20000,     3,            Fresh,   -",
            "ALWAYS,     true,    0,         0,            After,   100",
            "ALWAYS,     false,   999,       0,            After,   100",
            "ALWAYS,     true,    -1,        0,            After,   100",
            "ALWAYS,     true,    0,         2,            After,   400",
            "ALWAYS,     true,    0,         4,            After,   1600",
            "ALWAYS,     true,    0,         5,            GiveUp,  -",
            "ON_FAILURE, false,   5000,      0,            Down,    -",
            "ON_FAILURE, false,   0,         5,            Down,    -",
            "ON_FAILURE, true,    5000,      0,            Now,     -",
            "ON_FAILURE, true,    0,         1,            After,   200",
            "ON_FAILURE, true,    -1,        5,            GiveUp,  -",
            "NEVER,      false,   0,         0,            Down,    -",
            "NEVER,      true,    5000,      0,            Failed,  -",
            "NEVER,      true,    -1,        5,            Failed,  -",
    })
    void verdict(Mode mode, boolean failure, long uptimeMs, int quickDeaths, String verdict, String delayMs) {
        long now = 100 * S;
        History h = after(quickDeaths, now);
        Restarts.Verdict v = Restarts.afterDeath(p.withMode(mode), h, failure, now, uptimeMs * MS, 0.5);
        switch (verdict) {
            case "Down", "Failed" -> {
                var rest = assertInstanceOf(Restarts.Rest.class, v);
                assertEquals(verdict.equals("Failed"), rest.failed());
                assertSame(h, rest.history(), "a death that is not restarted is not counted");
            }
            case "Now" -> assertSame(h, assertInstanceOf(Restarts.Now.class, v).history(), "between min_uptime and backoff_reset: growth kept");
            case "Fresh" -> assertEquals(History.fresh(p), assertInstanceOf(Restarts.Now.class, v).history());
            case "After" -> {
                var a = assertInstanceOf(Restarts.After.class, v);
                assertEquals(Long.parseLong(delayMs) * MS, a.delayNanos());
                assertEquals(quickDeaths + 1, a.history().quickDeaths().size());
                assertEquals(Math.min(2 * Long.parseLong(delayMs) * MS, 30 * S), a.history().nextDelayNanos());
            }
            case "GiveUp" -> assertTrue(assertInstanceOf(Restarts.GiveUp.class, v).reason().contains("(max_restarts = 5)"), v.toString());
            default -> fail("no such verdict in the table: " + verdict);
        }
    }

    @Test
    void aSpawnThatNeverRanIsAQuickDeathEvenWithZeroMinUptime() {
        var v = Restarts.afterDeath(p.withMinUptime(Duration.ZERO), History.fresh(p), true, 0, -1, 0.5);
        assertInstanceOf(Restarts.After.class, v);
    }

    @Test
    void aShortageWaitsAFixedSecondAndLeavesTheHistoryAlone() {
        History h = after(5, 100 * S);
        var v = Restarts.afterShortage(h);
        assertEquals(S, v.delayNanos());
        assertSame(h, v.history());
    }

    @Test
    void delaysDoubleFromBackoffToTheCapWithJitterOfTwentyPercent() {
        var big = p.withMaxRestarts(1000);
        History h = History.fresh(p);
        long expected = 100 * MS, now = 0;
        for (int i = 0; i < 12; i++) {
            var d = assertInstanceOf(Restarts.After.class, Restarts.afterDeath(big, h, true, now, 0, 0.0));
            assertEquals(Math.round(expected * 0.8), d.delayNanos());
            expected = Math.min(expected * 2, 30 * S);
            h = d.history();
            now += S;
        }
        var hi = assertInstanceOf(Restarts.After.class, Restarts.afterDeath(big, h, true, now, 0, 0.999_999));
        assertTrue(hi.delayNanos() <= 36 * S && hi.delayNanos() > 35 * S, "capped at 30 s plus at most 20%");
    }

    @Test
    void aLongUptimeRestartsAtOnceAndResetsTheGrowth() {
        History h = History.fresh(p);
        for (int i = 0; i < 3; i++) h = Restarts.afterDeath(p, h, true, i * MS, 0, 0.5).history();
        assertEquals(800 * MS, h.nextDelayNanos());
        var middle = assertInstanceOf(Restarts.Now.class, Restarts.afterDeath(p, h, true, S, 2 * S, 0.5));
        assertEquals(800 * MS, middle.history().nextDelayNanos(), "between min_uptime and backoff_reset: at once, growth kept");
        var reset = assertInstanceOf(Restarts.Now.class, Restarts.afterDeath(p, h, true, S, 10 * S, 0.5));
        assertEquals(100 * MS, reset.history().nextDelayNanos());
        assertTrue(reset.history().quickDeaths().isEmpty());
    }

    @Test
    void intensityCountsOnlyDeathsInsideTheWindow() {
        History h = History.fresh(p);
        long now = 0;
        for (int i = 0; i < 5; i++, now += 10 * S) h = Restarts.afterDeath(p, h, true, now, 0, 0.5).history(); // 5 deaths, 10 s apart
        // the window (30 s) now holds deaths at 20, 30, 40 s: one more is 4, still allowed
        assertInstanceOf(Restarts.After.class, Restarts.afterDeath(p, h, true, now, 0, 0.5));
        History burst = History.fresh(p);
        for (int i = 0; i < 5; i++) burst = Restarts.afterDeath(p, burst, true, i * MS, 0, 0.5).history();
        assertInstanceOf(Restarts.GiveUp.class, Restarts.afterDeath(p, burst, true, 6 * MS, 0, 0.5));
    }
}

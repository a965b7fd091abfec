package banyan.init;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BootSettingsTest {
    @Test
    void defaults() {
        var p = BootSettings.parse(Map.of());
        assertEquals(new BootSettings("default", Optional.empty(), Optional.empty(), Duration.ofSeconds(3), Duration.ofSeconds(10)), p.settings());
        assertTrue(p.problems().isEmpty());
    }

    @Test
    void kernelCommandLineOverridesBoot() {
        String cmdline = "BOOT_IMAGE=/vmlinuz root=/dev/vda ro quiet banyan.target=rescue banyan.hostname=\"box1\" banyan. banyan.=x -- banyan.grace=9s";
        var vars = BootSettings.overlay(Map.of("target", "default", "grace", "1s"), cmdline);
        assertEquals(Map.of("target", "rescue", "hostname", "box1", "grace", "1s"), vars);
        assertEquals("rescue", BootSettings.parse(vars).settings().target());
    }

    @Test
    void quotedValuesKeepTheirSpaces() {
        assertEquals(Map.of("motd", "hello world"), BootSettings.fromCommandLine("a=b \"banyan.motd=hello world\" c"));
    }

    @Test
    void badValuesAreReportedAndReplacedByDefaults() {
        var p = BootSettings.parse(Map.of("on_failure", "explode", "grace", "soon", "hostname", "not a name!"));
        assertEquals(BootSettings.DEFAULT_GRACE, p.settings().grace());
        assertEquals(Optional.empty(), p.settings().onFailure());
        assertEquals(Optional.empty(), p.settings().hostname());
        assertEquals(3, p.problems().size(), p.problems().toString());
        assertTrue(p.problems().stream().anyMatch(m -> m.contains("use one of: continue, halt, poweroff, reboot")));
    }

    @Test
    void onFailureActions() {
        for (Action a : Action.values())
            assertEquals(Optional.of(a), BootSettings.parse(Map.of("on_failure", a.word())).settings().onFailure());
        assertEquals(Optional.empty(), BootSettings.parse(Map.of("on_failure", "continue")).settings().onFailure());
    }
}

package banyan.init;

import banyan.config.ConfigLoader;
import banyan.config.StackConfig;
import banyan.config.VarLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** The steps of a bring-up, in plan order, and what turns a bring-up by steps on. */
class StepPlanTest {
    @TempDir
    Path dir;

    StackConfig load(List<VarLayer> layers) throws Exception {
        Path f = dir.resolve("banyan.toml");
        Files.writeString(f, """
                [vars]
                tgt = "main"
                web_port = "80"
                db_file = "/srv/db"
                unused = "x"
                [boot]
                target = "${tgt}"
                [service.web]
                command = ["serve", "${web_port}", "${db_file}"]
                requires = ["db"]
                [service.db]
                command = ["db", "${db_file}"]
                [service.report]
                command = "report"
                requires = ["web"]
                [service.extra]
                command = "extra"
                [target.main]
                requires = ["report", "extra"]
                """);
        return ConfigLoader.load(f, layers);
    }

    static List<String> names(List<StepPlan.Step> steps) {
        return steps.stream().map(s -> s.kind() == StepPlan.Kind.SKIPPED ? s.name() + " (" + s.value() + ")" : s.name() + " = " + s.value()).toList();
    }

    @Test
    void variablesComeBeforeTheFirstServiceThatUsesThemAndServicesInDependencyOrder() throws Exception {
        assertEquals(List.of("tgt = main", "db_file = /srv/db", "service.db = start", "web_port = 80", "service.web = start",
                "service.report = start", "service.extra = start"), names(StepPlan.of(load(List.of()))));
    }

    @Test
    void aClearedServiceSkipsWhatRequiresIt() throws Exception {
        StackConfig c = load(List.of(VarLayer.of(VarLayer.Kind.ANSWER, Map.of("service.db", "clear"))));
        assertEquals(List.of("tgt = main", "service.db (cleared)", "service.web (requires db, which was cleared)",
                "service.report (requires web, which is skipped)", "service.extra = start"), names(StepPlan.of(c)));
    }

    @Test
    void stepsForAPauseAndWhatTurnsTheStepsOn() throws Exception {
        StackConfig c = load(List.of());
        assertEquals(Optional.empty(), BootSteps.unknownStep(c, "service.web"));
        assertEquals(Optional.empty(), BootSteps.unknownStep(c, "unused"));
        assertEquals("--pause-before web_prot: no such step; did you mean web_port? (a step is a variable of [vars] or service.NAME)",
                BootSteps.unknownStep(c, "web_prot").orElseThrow());
        assertFalse(BootSteps.Options.of(false, Optional.empty(), Optional.empty(), Map.of()).active());
        assertTrue(BootSteps.Options.of(false, Optional.empty(), Optional.empty(), Map.of("interactive", "yes")).interactive());
        assertTrue(BootSteps.Options.of(false, Optional.empty(), Optional.empty(), Map.of("interactive", "true")).interactive());
        assertFalse(BootSteps.Options.of(false, Optional.empty(), Optional.empty(), Map.of("interactive", "no")).active());
        assertEquals(Optional.of("service.db"),
                BootSteps.Options.of(false, Optional.empty(), Optional.empty(), Map.of("pause", "service.db")).pauseBefore());
        assertEquals(Optional.of("tgt"), BootSteps.Options.of(false, Optional.of("tgt"), Optional.empty(), Map.of("pause", "service.db")).pauseBefore());
    }

    @Test
    void savedAnswersAreAVarsFile() throws Exception {
        String text = SavedAnswers.render(new java.util.LinkedHashMap<>(Map.of("web_port", "8\"0\\")),
                Map.of("web_port", "80"));
        Path f = dir.resolve("saved.toml");
        Files.writeString(f, text + "service.\"db\" = \"clear\"\n");
        StackConfig c = load(List.of(VarLayer.file(f)));
        assertEquals("8\"0\\", c.vars().all().get("web_port").value());
        assertEquals(java.util.Set.of("db"), c.held());
    }
}

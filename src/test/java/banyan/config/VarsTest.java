package banyan.config;

import banyan.init.BootSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class VarsTest {
    @TempDir
    Path dir;

    static final String CONFIG = """
            [vars]
            a = "from-config"
            b = "from-config"
            c = "from-config"
            d = "from-config"

            [boot]
            target = "t"

            [service.web]
            command = ["echo", "${a}", "${b}-${c}", "$${a}", "${d}"]
            env = { D = "${d}" }

            [service.other]
            command = "echo plain $$HOME"

            [target.t]
            requires = ["web", "other"]
            """;

    Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    List<String> problems(Path config, List<VarLayer> layers) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(config, layers));
        return e.problems().stream().map(Problem::toString).map(s -> s.replace(dir.toString() + "/", "")).toList();
    }

    @Test
    void eachSourceOverridesTheOneBelowIt() throws Exception {
        Path config = write("banyan.toml", CONFIG);
        VarLayer file = VarLayer.file(write("answers.toml", "# saved\nb = \"from-file\"\nc = \"from-file\"\nd = \"from-file\"\n"));
        VarLayer flags = VarLayer.flags(List.of("c=from-flag", "d=from-flag"));
        VarLayer kernel = VarLayer.of(VarLayer.Kind.KERNEL,
                BootSettings.fromCommandLine("root=/dev/vda banyan.d=from-kernel banyan.target=t banyan.nosuch=1"));
        StackConfig s = ConfigLoader.load(config, List.of(file, flags, kernel));
        assertEquals(List.of("echo", "from-config", "from-file-from-flag", "${a}", "from-kernel"), s.services().get("web").command());
        assertEquals("from-kernel", s.services().get("web").env().get("D"));
        assertEquals(List.of("/bin/sh", "-c", "echo plain $$HOME"), s.services().get("other").command()); // a lone $ stays
        Map<String, Vars.Var> v = s.vars().all();
        assertEquals("banyan.toml:2:1", v.get("a").origin().replace(dir.toString() + "/", ""));
        assertEquals("vars file " + dir.resolve("answers.toml") + ":2:1", v.get("b").origin());
        assertEquals("--var", v.get("c").origin());
        assertEquals("kernel command line", v.get("d").origin());
        assertEquals(List.of("service.web"), v.get("d").usedBy());
    }

    @Test
    void withoutOverridesTheConfigWins() throws Exception {
        StackConfig s = ConfigLoader.load(write("banyan.toml", CONFIG));
        assertEquals(List.of("echo", "from-config", "from-config-from-config", "${a}", "from-config"), s.services().get("web").command());
    }

    @Test
    void anUnknownVariableIsLocatedWithTheNearestName() throws Exception {
        Path config = write("banyan.toml", """
                [vars]
                port = "80"
                [service.web]
                command = ["serve", "--port", "${prot}"]
                """);
        assertEquals(List.of("banyan.toml:4:1: service.web.command: unknown variable ${prot}; did you mean ${port}? (defined in [vars]: port)"),
                problems(config, List.of()));
    }

    @Test
    void badReferences() throws Exception {
        Path config = write("banyan.toml", """
                [service.web]
                command = "x ${open"
                working_dir = "${}"
                [service.b]
                command = "${HOME}"
                """);
        assertEquals(List.of("banyan.toml:2:1: service.web.command: '${' at character 3 is not closed; write ${NAME}, or $${ for a literal ${",
                "banyan.toml:3:1: service.web.working_dir: '${}' names no variable; write ${NAME}, or $${ for a literal ${",
                "banyan.toml:5:1: service.b.command: unknown variable ${HOME} (no [vars] table defines any; add [vars] HOME = \"...\")"),
                problems(config, List.of()));
    }

    @Test
    void aVarsFileWithAnUnknownNameOrABadSyntaxIsLocated() throws Exception {
        Path config = write("banyan.toml", CONFIG);
        assertEquals(List.of("answers.toml:2:1: unknown variable 'aa'; did you mean ${a}? (defined in [vars]: a, b, c, d)"),
                problems(config, List.of(VarLayer.file(write("answers.toml", "a = \"1\"\naa = \"2\"\n")))));
        assertEquals(List.of("services.toml:2:1: no service named 'wbe'; did you mean 'service.web'?"),
                problems(config, List.of(VarLayer.file(write("services.toml", "a = \"1\"\nservice.wbe = \"clear\"\n")))));
        ConfigException syntax = assertThrows(ConfigException.class, () -> VarLayer.file(write("bad.toml", "a = \"1\"\nb = \n")));
        assertTrue(syntax.getMessage().startsWith(dir.resolve("bad.toml") + ":2:"), syntax.getMessage());
        ConfigException type = assertThrows(ConfigException.class, () -> VarLayer.file(write("type.toml", "a = 1\n")));
        assertTrue(type.getMessage().contains("type.toml:1:1: a: must be a string, not the integer 1"), type.getMessage());
    }

    @Test
    void aFlagOrAKernelWord() throws Exception {
        Path config = write("banyan.toml", CONFIG);
        assertEquals(List.of("--var e=...: unknown variable 'e'; did you mean ${a}? (defined in [vars]: a, b, c, d)"),
                problems(config, List.of(VarLayer.flags(List.of("e=1")))));
        assertThrows(ConfigException.class, () -> VarLayer.flags(List.of("=x")));
        assertThrows(ConfigException.class, () -> VarLayer.flags(List.of("novalue")));
    }

    @Test
    void aClearedServiceIsHeldWithWhatRequiresIt() throws Exception {
        Path config = write("banyan.toml", CONFIG + """
                [service.api]
                command = "x"
                requires = ["web"]
                [target.u]
                requires = ["api", "other"]
                """);
        StackConfig s = ConfigLoader.load(config, List.of(VarLayer.flags(List.of("service.web=clear"))));
        assertEquals(java.util.Set.of("web"), s.held());
        assertEquals(java.util.Set.of("other"), s.closure("u"));
        assertEquals(List.of("--var service.web=...: service.web = 'stop': a service step is \"clear\" (leave it down) or \"start\""),
                problems(config, List.of(VarLayer.flags(List.of("service.web=stop")))));
    }

    @Test
    void aChangedVariableSaysWhichServicesItTouches() throws Exception {
        Path config = write("banyan.toml", CONFIG);
        Vars before = ConfigLoader.load(config).vars();
        Vars after = ConfigLoader.load(config, List.of(VarLayer.flags(List.of("d=new", "a=from-config")))).vars();
        assertEquals(List.of("d (touches web)"), after.changedSince(before));
    }
}

package banyan.roots;

import java.util.ArrayList;
import java.util.List;

/**
 * The child that fills the core root: `cp` copies each file and tree under its own path (symbolic
 * links followed, modes and times kept), and where a busybox was copied without a shell, its applet
 * links are made (sh, ls, mount, ...), as Debian's busybox-static has none of its own.
 */
final class CoreCopy {
    private CoreCopy() {}

    private static final String SCRIPT = """
            set -e
            to=$1; shift
            for f in "$@"; do
              mkdir -p -- "$to${f%/*}"
              cp -RL --preserve=mode,timestamps -- "$f" "$to$f"
            done
            if [ -x "$to/bin/busybox" ] && [ ! -e "$to/bin/sh" ]; then
              for a in $("$to/bin/busybox" --list); do [ -e "$to/bin/$a" ] || ln -s busybox "$to/bin/$a"; done
            fi
            """;

    static List<String> argv(String target, List<String> files) {
        List<String> argv = new ArrayList<>(List.of("sh", "-c", SCRIPT, "banyan-core", target));
        argv.addAll(files);
        return argv;
    }
}

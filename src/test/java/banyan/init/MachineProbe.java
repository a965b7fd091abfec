package banyan.init;

import banyan.os.Machine;
import banyan.os.Mounts;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs a machine-only step in a namespace of its own, for MachineStepsTest:
 * "unmount DIR" (stage 4's unmount of everything under DIR; DIR stands for /) or
 * "reboot RESTART|POWER_OFF|HALT" (as PID 1 of a PID namespace, which the kernel then ends).
 */
public final class MachineProbe {
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "unmount" -> {
                Path d = Path.of(args[1]);
                Mounts.mount("tmpfs", d.toString(), "tmpfs", 0, "size=1m");
                Files.createDirectories(d.resolve("a"));
                Mounts.mount("tmpfs", d.resolve("a").toString(), "tmpfs", 0, "size=1m");
                Files.createDirectories(d.resolve("a/b"));
                Mounts.mount("tmpfs", d.resolve("a/b").toString(), "tmpfs", 0, "size=1m");
                Files.createDirectories(d.resolve("busy"));
                Mounts.mount("tmpfs", d.resolve("busy").toString(), "tmpfs", 0, "size=1m");
                Files.writeString(d.resolve("busy/held"), "x");
                // open for reading, as banyan's own runtime is: umount says EBUSY, a read-only remount works
                var held = Files.newInputStream(d.resolve("busy/held"));
                Stage4.unmountAll(Mounts.table(), d.toString(), System.out::println);
                for (var m : Mounts.table())
                    if (m.point().startsWith(d.toString())) System.out.println("left " + m.point() + " " + m.options());
                held.close();
            }
            case "reboot" -> {
                Machine.reboot(Machine.Reboot.valueOf(args[1]));
                System.out.println("reboot returned");
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}

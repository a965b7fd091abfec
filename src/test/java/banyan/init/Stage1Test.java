package banyan.init;

import banyan.os.Mounts;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Stage1Test {
    private static final List<String> CONTAINER = List.of(
            "600 500 0:50 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w",
            "601 600 0:52 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw",
            "602 600 0:53 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755",
            "603 602 0:54 / /dev/pts rw,nosuid,noexec,relatime - devpts devpts rw,gid=5,mode=620,ptmxmode=666",
            "604 600 0:55 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro",
            "605 604 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw",
            "606 600 254:1 /data /srv/my\\040data rw,relatime shared:1 - ext4 /dev/vdb rw");

    @Test
    void aContainerMissesOnlyRun() {
        var missing = Stage1.missing(Mounts.parse(CONTAINER), false);
        assertEquals(List.of("/run"), missing.stream().map(Stage1.Wanted::point).toList());
    }

    @Test
    void aBareMachineMissesEverything() {
        var missing = Stage1.missing(Mounts.parse(List.of("1 0 254:0 / / rw - ext4 /dev/vda rw")), true);
        assertEquals(List.of("/proc", "/sys", "/dev", "/dev/pts", "/run", "/sys/fs/cgroup"), missing.stream().map(Stage1.Wanted::point).toList());
    }

    @Test
    void cgroup2AnywhereCounts() {
        var hybrid = Mounts.parse(List.of("1 0 254:0 / / rw - ext4 /dev/vda rw",
                "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw"));
        assertEquals(false, Stage1.missing(hybrid, true).stream().anyMatch(w -> w.fsType().equals("cgroup2")));
    }

    @Test
    void mountinfoEscapesAndOptionalFields() {
        var m = Mounts.parse(CONTAINER).getLast();
        assertEquals(new Mounts.Mount(606, 600, "/srv/my data", "ext4", "/dev/vdb", "rw,relatime"), m);
    }
}

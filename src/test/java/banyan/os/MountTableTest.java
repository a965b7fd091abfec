package banyan.os;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class MountTableTest {
    static final List<String> TABLE = List.of(
            "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw",
            "80 27 0:40 / /run/banyan/roots rw - tmpfs tmpfs rw,size=1024k",
            "81 80 0:45 / /run/banyan/roots/app rw,nosuid,nodev - fuse.sshfs srv@10.77.0.2:/srv/app rw,user_id=0",
            "82 81 0:46 / /run/banyan/roots/app rw - tmpfs tmpfs rw",
            "83 80 7:3 / /run/banyan/roots/my\\040disk ro shared:5 - ext4 /dev/loop3 ro");

    @Test
    void eachMountHasItsDeviceNumberAndTheTopOfAStackIsWhatIsSeen() {
        List<MountTable.Entry> t = MountTable.parse(TABLE);
        assertEquals(new MountTable.Entry(81, 80, 0, 45, "/run/banyan/roots/app", "fuse.sshfs", "srv@10.77.0.2:/srv/app"), t.get(2));
        assertTrue(t.get(2).fuse());
        assertFalse(t.get(1).fuse());
        assertEquals(82, MountTable.top(t, "/run/banyan/roots/app").orElseThrow().id(), "the tmpfs mounted over the sshfs");
        assertEquals(Optional.empty(), MountTable.top(t, "/run/banyan/roots/other"));
        MountTable.Entry disk = MountTable.top(t, "/run/banyan/roots/my disk").orElseThrow();
        assertEquals(7, disk.major());
        assertEquals(3, disk.minor());
    }

    @Test
    void flagsWordsBecomeMountFlagsAndTheRestTheFilesystemsData() {
        assertEquals(new Mounts.Options(Mounts.MS_RDONLY | Mounts.MS_NOATIME, "errors=remount-ro,commit=5"),
                Mounts.options("ro,noatime,errors=remount-ro,commit=5"));
        assertEquals(new Mounts.Options(0, ""), Mounts.options(""));
        assertEquals(new Mounts.Options(Mounts.MS_NOSUID, ""), Mounts.options("ro, nosuid, rw, defaults"), "a later rw undoes ro");
    }
}

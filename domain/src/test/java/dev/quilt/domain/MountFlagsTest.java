package dev.quilt.domain;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MountFlagsTest {
    private static String refusal(Runnable r) {
        return assertThrows(QuiltException.class, r::run).getMessage();
    }

    @Test
    void aVolumeIsAPrivateRecursiveBind() {
        assertEquals(new MountSpec("/data", "bind", "/srv/data", List.of("rbind", "rprivate")),
                MountFlags.volume("/srv/data:/data"));
        assertEquals(List.of("rbind", "rprivate", "ro"), MountFlags.volume("/srv:/data:ro").options());
        assertEquals(List.of("rbind", "rprivate", "rw", "nosuid"), MountFlags.volume("/srv:/d:rw,nosuid").options());
    }

    @Test
    void badVolumesAreNamed() {
        assertTrue(refusal(() -> MountFlags.volume("/srv")).contains("must be HOST:CONTAINER[:ro|rw]"));
        assertTrue(refusal(() -> MountFlags.volume("/a:/b:ro:x")).contains("must be HOST:CONTAINER[:ro|rw]"));
        assertTrue(refusal(() -> MountFlags.volume(":/b")).contains("must be HOST:CONTAINER"));
        assertTrue(refusal(() -> MountFlags.volume("data:/b")).contains("named volumes are not supported"));
        assertTrue(refusal(() -> MountFlags.volume("./data:/b")).contains("must be an absolute host path"));
        assertTrue(refusal(() -> MountFlags.volume("/a:b")).contains("volume destination 'b' must be an absolute"));
        assertTrue(refusal(() -> MountFlags.volume("/a:/b/../../etc")).contains("must not contain '..'"));
        assertTrue(refusal(() -> MountFlags.volume("/a:/")).contains("would cover the container's root"));
        assertTrue(refusal(() -> MountFlags.volume("/a:/b:z")).contains("volume option 'z'"));
        assertTrue(refusal(() -> MountFlags.volume("/a:/b:ro,")).contains("volume option ''"));
        assertTrue(refusal(() -> MountFlags.volume("/a\nb:/b")).contains("control character"));
        // where the container's own filesystems go, which would hide the user's mount or break the masks
        for (String own : List.of("/proc", "/proc/self", "/sys", "/sys/fs/cgroup", "/dev", "/dev/pts", "/dev/shm/x",
                "/dev/mqueue", "//proc/", "/sys/")) {
            assertTrue(refusal(() -> MountFlags.volume("/a:" + own)).contains("is where the container's own"), own);
            assertTrue(refusal(() -> MountFlags.tmpfs(own)).contains("is where the container's own"), own);
        }
        assertEquals("/dev/data", MountFlags.volume("/a:/dev/data").destination(), "a node under /dev is fine");
    }

    @Test
    void tmpfsHasPodmansDefaultsAndTheUsersOptionsAfter() {
        assertEquals(new MountSpec("/t", "tmpfs", "tmpfs", List.of("rw", "noexec", "nosuid", "nodev")),
                MountFlags.tmpfs("/t"));
        assertEquals(List.of("rw", "noexec", "nosuid", "nodev", "size=64m", "mode=1777", "exec", "uid=1000"),
                MountFlags.tmpfs("/t:size=64m,mode=1777,exec,uid=1000").options());
        assertEquals(List.of("/run", "/tmp", "/var/tmp"),
                MountFlags.readOnlyTmpfs().stream().map(MountSpec::destination).toList());
    }

    @Test
    void badTmpfsOptionsAreNamed() {
        for (String bad : List.of("size=big", "mode=999", "uid=me", "nr_inodes=x", "bogus", "size=", "")) {
            assertTrue(refusal(() -> MountFlags.tmpfs("/t:" + bad)).contains("--tmpfs option '" + bad + "'"), bad);
        }
        assertTrue(refusal(() -> MountFlags.tmpfs("t")).contains("must be an absolute path"));
    }

    @Test
    void deviceFlags() {
        assertEquals(new MountFlags.DeviceFlag("/dev/fuse", "/dev/fuse", "rwm"), MountFlags.DeviceFlag.parse("/dev/fuse"));
        assertEquals(new MountFlags.DeviceFlag("/dev/null", "/dev/mynull", "rwm"),
                MountFlags.DeviceFlag.parse("/dev/null:/dev/mynull"));
        assertEquals(new MountFlags.DeviceFlag("/dev/null", "/dev/n", "r"), MountFlags.DeviceFlag.parse("/dev/null:/dev/n:r"));
        assertTrue(refusal(() -> MountFlags.DeviceFlag.parse("null")).contains("must be an absolute host path"));
        assertTrue(refusal(() -> MountFlags.DeviceFlag.parse("/srv/x")).contains("name its place in the container"));
        assertTrue(refusal(() -> MountFlags.DeviceFlag.parse("/dev/null:/etc/n")).contains("must be under /dev/"));
        assertTrue(refusal(() -> MountFlags.DeviceFlag.parse("/dev/null:/dev/n:rx")).contains("permissions 'rx'"));
        assertTrue(refusal(() -> MountFlags.DeviceFlag.parse("/dev/a:/dev/b:r:x")).contains("HOST[:CONTAINER"));
        assertTrue(refusal(() -> MountFlags.DeviceFlag.parse("/dev")).contains("'/dev' is not a device node"));
        assertTrue(refusal(() -> MountFlags.DeviceFlag.parse("/dev/")).contains("is not a device node"));
        assertTrue(refusal(() -> MountFlags.DeviceFlag.parse("/dev/null:/dev/../etc/x")).contains("must not contain '..'"));
        assertTrue(refusal(() -> MountFlags.DeviceFlag.parse("/dev/null:/dev/pts")).contains("is where the container's own"));
    }

    @Property
    void anyAbsoluteHostAndDestinationMakeABindOfThem(@ForAll @AlphaChars @StringLength(min = 1, max = 12) String a,
                                                       @ForAll @AlphaChars @StringLength(min = 1, max = 12) String b) {
        MountSpec m = MountFlags.volume("/" + a + ":/" + b + ":ro");
        assertEquals("/" + a, m.source());
        assertEquals("/" + b, m.destination());
        assertTrue(m.options().contains("ro"));
    }
}

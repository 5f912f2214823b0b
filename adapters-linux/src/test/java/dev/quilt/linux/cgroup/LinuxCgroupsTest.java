package dev.quilt.linux.cgroup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which hierarchies a v1 or hybrid host has, read from mountinfo: every one, each once. */
class LinuxCgroupsTest {
    /** This machine's layout (Debian 12, hybrid), plus what other hosts mount and a bind mount of one hierarchy. */
    private static final String HYBRID = """
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
            34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
            35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
            37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
            38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
            39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
            40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
            42 31 0:39 / /sys/fs/cgroup/net_cls,net_prio rw,relatime - cgroup cgroup rw,net_cls,net_prio
            43 31 0:40 / /sys/fs/cgroup/misc\\040dir rw,relatime - cgroup cgroup rw,misc
            44 23 0:35 / /mnt/blkio-again rw,relatime - cgroup cgroup rw,blkio
            45 23 8:1 / /data rw,relatime - ext4 /dev/sda1 rw
            """;

    private static LinuxCgroups.Hierarchies read(Path dir, String mountinfo) throws IOException {
        Path f = dir.resolve("mountinfo");
        Files.writeString(f, mountinfo);
        return LinuxCgroups.hierarchies(f);
    }

    @Test
    void everyHierarchyOnceTheNamedOnesAndTheHybridV2Tree(@TempDir Path dir) throws IOException {
        LinuxCgroups.Hierarchies h = read(dir, HYBRID);
        assertEquals(List.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "systemd",
                        "unified", "net_cls,net_prio", "misc dir"),
                h.all().stream().map(p -> p.getFileName().toString()).toList(),
                "blkio is one hierarchy whether mounted once or twice; ext4 and tmpfs are none");
        assertEquals(Path.of("/sys/fs/cgroup/blkio"), h.all().get(6), "the first mount of a hierarchy");
    }

    @Test
    void theControllersQuiltWritesToAndCpusetByName(@TempDir Path dir) throws IOException {
        Map<String, Path> c = read(dir, HYBRID).controllers();
        assertEquals(Path.of("/sys/fs/cgroup/memory"), c.get("memory"));
        assertEquals(Path.of("/sys/fs/cgroup/cpuset"), c.get("cpuset"));
        assertEquals(7, c.size(), "memory, cpu, cpuacct, pids, freezer, devices, cpuset: " + c);
    }

    @Test
    void cpuAndCpuacctSharingOneMountAreOneHierarchy(@TempDir Path dir) throws IOException {
        LinuxCgroups.Hierarchies h = read(dir, """
                32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
                35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
                """);
        assertEquals(h.controllers().get("cpu"), h.controllers().get("cpuacct"));
        assertEquals(2, h.all().size(), h.all().toString());
    }
}

package dev.quilt.linux.cgroup;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.DeviceCgroupRule;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Security;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.CgroupsContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract on the host's own cgroups, as root, under a parent of this test
 * run's own. This machine is v1 (hybrid); on a unified host the probe gives
 * v2 and the same contract runs on the real v2 kernel.
 */
class CgroupsV1IT extends CgroupsContract {
    @TempDir
    Path dir;

    private final String parent = "quilt-it-" + UUID.randomUUID().toString().substring(0, 8);
    private final Members members = new Members();
    private final KernelCgroupFiles files = new KernelCgroupFiles();

    @BeforeEach
    void load() {
        NativeLibrary.load(dir.resolve("native"));
    }

    @Override
    protected Cgroups cgroups() {
        return LinuxCgroups.probe(parent);
    }

    /** This run's own parent cgroup name. */
    protected String parent() {
        return parent;
    }

    @Override
    protected Member join(ContainerId id, Cgroups.Placement p) {
        return members.start(pid -> {
            p.unified().ifPresent(d -> files.write(Path.of(d, "cgroup.procs"), pid));
            for (String d : p.controllers()) files.write(Path.of(d, "cgroup.procs"), pid);
        });
    }

    /** Every hierarchy's parent must be empty, and goes: the test leaves no cgroup. */
    @AfterEach
    void parentIsEmptyAndGoes() {
        members.killAll();
        List<String> left = new ArrayList<>();
        try (var s = Files.list(LinuxCgroups.ROOT)) {
            for (Path h : s.toList()) {
                Path p = h.resolve(parent);
                if (!Files.isDirectory(p)) continue;
                left.addAll(files.children(p));
                files.rmdir(p);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertEquals(List.of(), left, "cgroups left under " + parent);
    }

    @Test
    void limitsReachTheKernelFiles() {
        Cgroups c = cgroups();
        ContainerId id = newId();
        Cgroups.Placement p = c.create(id, Resources.fromFlags("48m", null, "0.25", 256, "32"));
        try {
            if (p.unified().isPresent()) return; // the v2 files are checked on the fixture; here the probe chose v2
            Path mem = Path.of(p.memory().orElseThrow());
            assertEquals(Long.toString(48L << 20), files.read(mem.resolve("memory.limit_in_bytes")).strip());
            assertEquals(Long.toString(96L << 20), files.read(mem.resolve("memory.memsw.limit_in_bytes")).strip());
            Path cpu = LinuxCgroups.ROOT.resolve("cpu").resolve(parent).resolve(id.value());
            assertEquals("25000", files.read(cpu.resolve("cpu.cfs_quota_us")).strip());
            assertEquals("256", files.read(cpu.resolve("cpu.shares")).strip());
            Path pids = LinuxCgroups.ROOT.resolve("pids").resolve(parent).resolve(id.value());
            assertEquals("32", files.read(pids.resolve("pids.max")).strip());
            assertTrue(p.controllers().size() >= 5, "memory, cpu(acct), pids, freezer, devices: " + p.controllers());
            Path devices = LinuxCgroups.ROOT.resolve("devices").resolve(parent).resolve(id.value());
            assertEquals(CgroupsV1.DEVICES.stream().sorted().toList(),
                    files.read(devices.resolve("devices.list")).lines().sorted().toList());
        } finally {
            c.remove(id, Duration.ofSeconds(10));
        }
    }

    /**
     * A bundle's device rules (containerd's and the CRI's: devices allowed that its {@code /dev} does not list,
     * a deny after an allow) reach the kernel in order, runc's default allowance after them: {@code devices.list}
     * holds what the kernel made of the writes. On a v2 host the rules have no effect yet (no device BPF program)
     * and the cgroup is made all the same.
     */
    @Test
    void aBundlesDeviceRulesReachDevicesList() {
        Cgroups c = cgroups();
        ContainerId id = newId();
        Security s = Security.DEFAULT.withDeviceRules(List.of(new DeviceCgroupRule(false, 'a', -1, -1, "rwm"),
                new DeviceCgroupRule(true, 'c', -1, -1, "m"), new DeviceCgroupRule(true, 'c', 5, 1, "rwm"),
                new DeviceCgroupRule(true, 'c', 10, 200, "rwm"), new DeviceCgroupRule(false, 'c', 10, 200, "w"),
                new DeviceCgroupRule(true, 'b', 7, -1, "r")));
        Cgroups.Placement p = c.create(id, Resources.DEFAULT, s, java.util.Optional.empty());
        try {
            if (p.unified().isPresent()) {
                assertTrue(Files.isDirectory(Path.of(p.unified().get())), p.toString());
                return;
            }
            Path devices = LinuxCgroups.ROOT.resolve("devices").resolve(parent).resolve(id.value());
            java.util.Set<String> want = new java.util.TreeSet<>(CgroupsV1.DEVICES);
            want.addAll(List.of("c 5:1 rwm", "c 10:200 rm", "b 7:* r"));
            assertEquals(List.copyOf(want), files.read(devices.resolve("devices.list")).lines().sorted().toList());
        } finally {
            c.remove(id, Duration.ofSeconds(10));
        }
    }

    /** A privileged container's devices cgroup allows every device. */
    @Test
    void privilegedAllowsEveryDevice() {
        Cgroups c = cgroups();
        ContainerId id = newId();
        Security d = Security.DEFAULT;
        Security priv = new Security(d.capabilities(), false, d.seccomp(), List.of(), List.of(),
                java.util.Optional.empty(), java.util.Map.of(), List.of(), List.of(), List.of(), List.of(), false, true);
        Cgroups.Placement p = c.create(id, Resources.DEFAULT, priv, java.util.Optional.empty());
        try {
            if (p.unified().isPresent()) {
                assertTrue(Files.isDirectory(Path.of(p.unified().get())), p.toString());
                return;
            }
            Path devices = LinuxCgroups.ROOT.resolve("devices").resolve(parent).resolve(id.value());
            assertEquals(List.of("a *:* rwm"), files.read(devices.resolve("devices.list")).lines().toList());
        } finally {
            c.remove(id, Duration.ofSeconds(10));
        }
    }

    /**
     * Every hierarchy mountinfo shows (blkio, cpuset, name=systemd, the hybrid
     * host's cgroup2 tree, …) gets the container's cgroup, a process can join each
     * one (cpuset has its parent's cpus and mems), and removal takes them all and
     * the parent: the container's cgroup namespace is rooted at its own cgroup in
     * every one of them.
     */
    @Test
    void everyMountedHierarchyGetsTheContainersCgroup() throws Exception {
        Cgroups c = cgroups();
        ContainerId id = newId();
        Cgroups.Placement p = c.create(id, Resources.DEFAULT);
        if (p.unified().isPresent()) {
            c.remove(id, Duration.ofSeconds(10));
            return; // a unified host has one tree, checked by the contract
        }
        List<Path> all = LinuxCgroups.hierarchies(LinuxCgroups.MOUNTINFO).all();
        try {
            for (Path h : all) {
                assertTrue(p.controllers().contains(h.resolve(parent).resolve(id.value()).toString()),
                        h + " in " + p.controllers());
            }
            assertEquals(all.size(), p.controllers().size(), "one dir per hierarchy: " + p.controllers());
            Process cat = new ProcessBuilder("cat").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                for (String d : p.controllers()) files.write(Path.of(d, "cgroup.procs"), Long.toString(cat.pid()));
                List<String> lines = Files.readAllLines(Path.of("/proc", Long.toString(cat.pid()), "cgroup"));
                assertEquals(all.size(), lines.size(), lines.toString());
                for (String line : lines) assertTrue(line.endsWith(":/" + parent + "/" + id.value()), line);
            } finally {
                cat.destroyForcibly();
            }
        } finally {
            c.remove(id, Duration.ofSeconds(10));
        }
        for (Path h : all) assertTrue(!Files.exists(h.resolve(parent)), "nothing left in " + h);
        assertEquals(java.util.Set.of(), c.present());
    }

    /**
     * Containers made and removed at once, over and over: a removal that takes
     * the parent between another create's two mkdirs, or finds it busy, is
     * never an error, and the last removal leaves no parent in any hierarchy.
     */
    @Test
    void createsAndRemovalsRacingOverTheParentNeverFail() throws Exception {
        Cgroups c = cgroups();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            List<java.util.concurrent.Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                runs.add(pool.submit(() -> {
                    for (int i = 0; i < 30; i++) {
                        ContainerId id = newId();
                        c.create(id, Resources.DEFAULT);
                        c.remove(id, Duration.ofSeconds(10));
                    }
                    return null;
                }));
            }
            for (var r : runs) r.get();
        } finally {
            pool.shutdownNow();
        }
        try (var s = Files.list(LinuxCgroups.ROOT)) {
            for (Path h : s.toList()) assertTrue(!Files.exists(h.resolve(parent)), "parent left in " + h);
        }
    }
}

package dev.quilt.linux.monitor;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.Image;
import dev.quilt.domain.ImageName;
import dev.quilt.domain.ProcessSpec;
import dev.quilt.domain.User;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.SystemClock;
import dev.quilt.linux.image.BusyboxImage;
import dev.quilt.linux.image.FsImageStore;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.linux.storage.OverlayStorage;
import dev.quilt.ports.ImageStore;
import dev.quilt.ports.ProcessSpawner;
import dev.quilt.ports.ProcessSpawnerContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The spawner contract on the real kernel, as root: namespaces, overlay, pivot_root, exec. */
class MonitorSpawnerIT extends ProcessSpawnerContract {
    private Path root;
    private LinuxPaths paths;
    private MonitorSpawner spawner;
    private OverlayStorage storage;
    private Image image;
    private final String marker = "QUILT_IT=" + UUID.randomUUID();

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createTempDirectory("quilt-it-");
        paths = LinuxPaths.under(root);
        NativeLibrary lib = NativeLibrary.load(paths.nativeCache());
        spawner = new MonitorSpawner(paths, lib, (choice, caps) -> java.util.Optional.empty());
        storage = new OverlayStorage(paths);
        FsImageStore images = new FsImageStore(paths, new SystemClock(), true);
        try (InputStream tar = new BusyboxImage().openTar()) {
            image = images.importTar(tar, Optional.of(ImageName.DEFAULT), ImageStore.ImportProgress.NONE);
        }
    }

    @AfterEach
    void tearDown() throws IOException {
        AtomicFiles.deleteTree(root);
    }

    @Override
    protected ProcessSpawner spawner() {
        return spawner;
    }

    @Override
    protected ContainerSpec prepared(ContainerId id, List<String> args) {
        storage.prepare(id, image.digest());
        try {
            Files.createDirectories(paths.containerState(id));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new ContainerSpec(new ProcessSpec(args, List.of("PATH=/bin", marker), "/", User.ROOT, false),
                image.digest(), new Hostname("it"), ContainerSpec.DEFAULT_NAMESPACES, false, false, dev.quilt.domain.NetworkMode.NONE,
                dev.quilt.domain.Resources.DEFAULT);
    }

    @Override
    protected List<String> exitWith(int code) {
        return List.of("sh", "-c", "exit " + code);
    }

    @Override
    protected List<String> runUntilSignalled() {
        return List.of("sleep", "1000");
    }

    @Override
    protected List<String> missingBinary() {
        return List.of("/bin/nosuch");
    }

    /** Processes that carry this test's marker in their environment, plus monitors we have not reaped. */
    @Override
    protected int liveProcessesOf(ContainerId id) {
        int n = (int) ProcessHandle.current().children().count();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String env = new String(Files.readAllBytes(p.resolve("environ")), StandardCharsets.UTF_8);
                    if (env.contains(marker)) n++;
                } catch (IOException e) {
                    // gone meanwhile
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return n;
    }

    /** The cgroup2 mount: /sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a hybrid one like this. */
    private static Path cgroup2() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            int dash = line.indexOf(" - ");
            if (dash > 0 && line.substring(dash + 3).startsWith("cgroup2 ")) return Path.of(line.split(" ")[4]);
        }
        throw new IllegalStateException("no cgroup2 mount on this host");
    }

    /** What /proc/PID/cgroup says for the hierarchy whose line starts with {@code prefix} ("0:" for v2, "N:memory:" ...). */
    private static String cgroupOf(int pid, String controller) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] f = line.split(":", 3);
            if (java.util.Arrays.asList(f[1].split(",")).contains(controller)) return f[2];
        }
        throw new AssertionError("no " + controller + " line for " + pid);
    }

    /**
     * v2: the monitor clones the init straight into its cgroup. A hybrid host's
     * cgroup2 tree has no controllers, but placement works there as on any v2 host,
     * and the monitor watches OOM kills only where memory is enabled.
     */
    @org.junit.jupiter.api.Test
    void theInitIsBornInItsV2Cgroup() throws IOException {
        Path mount = cgroup2();
        Path dir = Files.createDirectory(mount.resolve("quilt-it-" + UUID.randomUUID().toString().substring(0, 8)));
        try {
            ContainerId id = ContainerId.of("v2" + UUID.randomUUID().toString().replace("-", ""));
            var placement = new dev.quilt.ports.Cgroups.Placement(Optional.of(dir.toString()), List.of(), Optional.empty());
            try (ProcessSpawner.Launched l = spawner.launch(id, prepared(id, List.of("true")), Optional.empty(), placement,
                    ProcessSpawner.Mode.CREATED, soon)) {
                org.junit.jupiter.api.Assertions.assertEquals("/" + mount.relativize(dir),
                        cgroupOf(l.process().pid(), ""), "waiting for start, the init is already there");
                l.kill();
            }
        } finally {
            Files.delete(dir);
        }
    }

    /** v1: the monitor writes the init into every hierarchy's cgroup.procs before it lets it go on. */
    @org.junit.jupiter.api.Test
    void theInitJoinsItsV1CgroupsBeforeItGoesOn() throws IOException {
        Path top = Path.of("/sys/fs/cgroup");
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(top.resolve("cgroup.controllers")),
                "a unified host has no v1 hierarchies; the v2 test covers it");
        String name = "quilt-it-" + UUID.randomUUID().toString().substring(0, 8);
        List<Path> dirs = List.of(top.resolve("memory").resolve(name), top.resolve("pids").resolve(name));
        for (Path d : dirs) Files.createDirectory(d);
        try {
            ContainerId id = ContainerId.of("v1" + UUID.randomUUID().toString().replace("-", ""));
            var placement = new dev.quilt.ports.Cgroups.Placement(Optional.empty(),
                    dirs.stream().map(Path::toString).toList(), Optional.of(dirs.get(0).toString()));
            try (ProcessSpawner.Launched l = spawner.launch(id, prepared(id, List.of("true")), Optional.empty(), placement,
                    ProcessSpawner.Mode.CREATED, soon)) {
                org.junit.jupiter.api.Assertions.assertEquals("/" + name, cgroupOf(l.process().pid(), "memory"));
                org.junit.jupiter.api.Assertions.assertEquals("/" + name, cgroupOf(l.process().pid(), "pids"));
                l.kill();
            }
        } finally {
            for (Path d : dirs) Files.delete(d);
        }
    }

    /** An OCI spec's other mount types, each a fresh filesystem at a destination made in the layer. */
    @org.junit.jupiter.api.Test
    void procSysfsMqueueDevptsAndTmpfsMountWhereTheSpecSays() throws IOException {
        List<dev.quilt.domain.MountSpec> mounts = List.of(
                new dev.quilt.domain.MountSpec("/x/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")),
                new dev.quilt.domain.MountSpec("/x/sys", "sysfs", "sysfs", List.of("ro", "nosuid", "noexec", "nodev")),
                new dev.quilt.domain.MountSpec("/x/mq", "mqueue", "mqueue", List.of("nosuid")),
                new dev.quilt.domain.MountSpec("/x/pts", "devpts", "devpts", List.of("newinstance", "ptmxmode=0666")),
                new dev.quilt.domain.MountSpec("/x/tmp", "tmpfs", "tmpfs", List.of("size=1m", "mode=1777", "rshared")));
        List<String> seen = mountsSeenUnder(dev.quilt.domain.Security.DEFAULT.withMounts(mounts), "/x/");
        org.junit.jupiter.api.Assertions.assertTrue(line(seen, "/x/proc").contains(" - proc "), seen.toString());
        org.junit.jupiter.api.Assertions.assertTrue(line(seen, "/x/sys").split(" ")[5].startsWith("ro,")
                && line(seen, "/x/sys").contains(" - sysfs "), seen.toString());
        org.junit.jupiter.api.Assertions.assertTrue(line(seen, "/x/mq").contains(" - mqueue "), seen.toString());
        org.junit.jupiter.api.Assertions.assertTrue(line(seen, "/x/pts").contains(" - devpts "), seen.toString());
        String tmp = line(seen, "/x/tmp");
        org.junit.jupiter.api.Assertions.assertTrue(tmp.contains(" shared:") && tmp.contains("size=1024k"), tmp);
    }

    /** What the init sees of /sys, one cgroup hierarchy and /proc/keys under {@code security}, through a bind mount. */
    private List<String> mountsSeenUnder(dev.quilt.domain.Security security) throws IOException {
        return mountsSeenUnder(security, " /sys | /sys/fs/cgroup/pids | /proc/keys ");
    }

    private List<String> mountsSeenUnder(dev.quilt.domain.Security security, String pattern) throws IOException {
        Path out = Files.createTempDirectory(root, "out-");
        ContainerId id = ContainerId.of("mnt" + UUID.randomUUID().toString().replace("-", ""));
        ContainerSpec s = prepared(id, List.of("sh", "-c",
                "grep -E '" + pattern + "' /proc/self/mountinfo > /out/mounts"));
        ContainerSpec spec = new ContainerSpec(s.process(), s.root(), s.hostname(), s.namespaces(), s.stdinOpen(),
                s.init(), s.network(), s.resources(), s.health(), s.ready(), s.log(),
                security.withMounts(List.of(dev.quilt.domain.MountFlags.volume(out + ":/out"))));
        try (ProcessSpawner.Launched l = spawner.launch(id, spec, Optional.empty(),
                dev.quilt.ports.Cgroups.Placement.NONE, ProcessSpawner.Mode.FOREGROUND, soon)) {
            org.junit.jupiter.api.Assertions.assertEquals(0, l.awaitExit().code());
        }
        return Files.readAllLines(out.resolve("mounts"));
    }

    private static String line(List<String> lines, String mountPoint) {
        return lines.stream().filter(l -> l.split(" ")[4].equals(mountPoint)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + mountPoint + " in " + lines));
    }

    /** The mount side of --privileged: /sys and the cgroup mounts writable, nothing masked; by default neither. */
    @org.junit.jupiter.api.Test
    void privilegedHasAWritableSysAndNoMasks() throws IOException {
        List<String> confined = mountsSeenUnder(dev.quilt.domain.Security.DEFAULT);
        org.junit.jupiter.api.Assertions.assertTrue(line(confined, "/sys").split(" ")[5].startsWith("ro,"), confined.toString());
        org.junit.jupiter.api.Assertions.assertTrue(line(confined, "/sys/fs/cgroup/pids").split(" ")[5].startsWith("ro,"),
                confined.toString());
        line(confined, "/proc/keys");

        dev.quilt.domain.Security privileged = new dev.quilt.domain.Security(dev.quilt.domain.Capabilities.ALL, false,
                dev.quilt.domain.Seccomp.UNCONFINED, List.of(), List.of(), Optional.empty(), java.util.Map.of(),
                List.of(), List.of(), List.of(), List.of(), false, true);
        List<String> open = mountsSeenUnder(privileged);
        org.junit.jupiter.api.Assertions.assertTrue(line(open, "/sys").split(" ")[5].startsWith("rw,"), open.toString());
        org.junit.jupiter.api.Assertions.assertTrue(line(open, "/sys/fs/cgroup/pids").split(" ")[5].startsWith("rw,"),
                open.toString());
        org.junit.jupiter.api.Assertions.assertTrue(open.stream().noneMatch(l -> l.contains(" /proc/keys ")), open.toString());
    }
}

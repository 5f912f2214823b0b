package dev.quilt.linux.monitor;

import dev.quilt.domain.Capabilities;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.Image;
import dev.quilt.domain.ImageName;
import dev.quilt.domain.LogLimit;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.ProcessSpec;
import dev.quilt.domain.ReadyPolicy;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Seccomp;
import dev.quilt.domain.Security;
import dev.quilt.domain.User;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.SystemClock;
import dev.quilt.linux.image.BusyboxImage;
import dev.quilt.linux.image.FsImageStore;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.linux.storage.OverlayStorage;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.ContainerExec;
import dev.quilt.ports.ImageStore;
import dev.quilt.ports.ProcessSpawner;
import dev.quilt.ports.SeccompFilters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The seccomp program a {@link SeccompFilters} gives reaches the container's command: a small
 * BPF program built here that makes mkdir fail with EPERM, loaded with no_new_privs (last before
 * execve) and without it (before the capabilities go: the default set has no CAP_SYS_ADMIN, which
 * the kernel then wants), on the real kernel, as root.
 */
class SeccompLoadIT {
    private static final int BPF_LD_W_ABS = 0x20, BPF_JEQ_K = 0x15, BPF_RET_K = 0x06;
    private static final int RET_ALLOW = 0x7fff0000, RET_ERRNO = 0x00050000, EPERM = 1;
    /** mkdir and mkdirat on this machine's architecture */
    private static final Map<String, List<Integer>> MKDIR = Map.of("amd64", List.of(83, 258), "aarch64", List.of(34));

    private Path root;
    private LinuxPaths paths;
    private NativeLibrary lib;
    private OverlayStorage storage;
    private Image image;
    private final String marker = "QUILT_IT=" + UUID.randomUUID();

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createTempDirectory("quilt-seccomp-it-");
        paths = LinuxPaths.under(root);
        lib = NativeLibrary.load(paths.nativeCache());
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

    /** struct sock_filter[]: {u16 code; u8 jt; u8 jf; u32 k}, in our byte order */
    private static byte[] noMkdir() {
        List<Integer> nrs = MKDIR.get(System.getProperty("os.arch"));
        ByteBuffer b = ByteBuffer.allocate(8 * (nrs.size() + 3)).order(ByteOrder.nativeOrder());
        ins(b, BPF_LD_W_ABS, 0, 0, 0); // seccomp_data.nr
        for (int i = 0; i < nrs.size(); i++) ins(b, BPF_JEQ_K, nrs.size() - i, 0, nrs.get(i));
        ins(b, BPF_RET_K, 0, 0, RET_ALLOW);
        ins(b, BPF_RET_K, 0, 0, RET_ERRNO | EPERM);
        return b.array();
    }

    private static void ins(ByteBuffer b, int code, int jt, int jf, int k) {
        b.putShort((short) code).put((byte) jt).put((byte) jf).putInt(k);
    }

    private static Security confined(boolean noNewPrivileges, Seccomp seccomp) {
        Security d = Security.DEFAULT;
        return new Security(Capabilities.DEFAULT, noNewPrivileges, seccomp, d.rlimits(), d.additionalGids(), d.umask(),
                d.sysctls(), d.mounts(), d.devices(), d.maskedPaths(), d.readonlyPaths(), false, false);
    }

    private static SeccompFilters filters(Optional<byte[]> program) {
        return (choice, caps) -> choice instanceof Seccomp.Unconfined ? Optional.empty() : program;
    }

    private ContainerId prepared() {
        ContainerId id = ContainerId.of("sc" + UUID.randomUUID().toString().replace("-", ""));
        storage.prepare(id, image.digest());
        try {
            Files.createDirectories(paths.containerState(id));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return id;
    }

    private ContainerSpec spec(List<String> args, Security security) {
        return new ContainerSpec(new ProcessSpec(args, List.of("PATH=/bin", marker), "/", User.ROOT, false),
                image.digest(), new Hostname("it"), ContainerSpec.DEFAULT_NAMESPACES, false, false, NetworkMode.NONE,
                Resources.DEFAULT, Optional.empty(), ReadyPolicy.DEFAULT, LogLimit.DEFAULT, security);
    }

    /** The exit of {@code mkdir /made} in a container confined so. */
    private ExitStatus mkdir(boolean noNewPrivileges, Optional<byte[]> program) {
        MonitorSpawner spawner = new MonitorSpawner(paths, lib, filters(program));
        ContainerId id = prepared();
        try (ProcessSpawner.Launched l = spawner.launch(id, spec(List.of("mkdir", "/made"),
                confined(noNewPrivileges, Seccomp.DEFAULT)), Optional.empty(), Cgroups.Placement.NONE,
                ProcessSpawner.Mode.FOREGROUND, Instant.now().plusSeconds(60))) {
            return l.awaitExit();
        } finally {
            storage.release(id);
        }
    }

    /** quilt-exec loads the target's program too: {@code mkdir} in an unconfined container, exec'd confined. */
    @Test
    void execLoadsTheTargetsProgramWithAndWithoutNoNewPrivileges() {
        Optional<byte[]> program = Optional.of(noMkdir());
        MonitorSpawner spawner = new MonitorSpawner(paths, lib, filters(program));
        LinuxContainerExec exec = new LinuxContainerExec(lib, filters(program));
        ContainerId id = prepared();
        try (ProcessSpawner.Launched l = spawner.launch(id, spec(List.of("sleep", "1000"),
                confined(true, Seccomp.UNCONFINED)), Optional.empty(), Cgroups.Placement.NONE,
                ProcessSpawner.Mode.DETACHED, Instant.now().plusSeconds(60))) {
            try {
                ProcessSpec mkdir = new ProcessSpec(List.of("mkdir", "/made"), List.of("PATH=/bin", marker), "/",
                        User.ROOT, false);
                for (boolean nnp : new boolean[] {true, false}) {
                    ContainerExec.Target confinedTarget = new ContainerExec.Target(l.process(),
                            ContainerSpec.DEFAULT_NAMESPACES, Cgroups.Placement.NONE, id, confined(nnp, Seccomp.DEFAULT));
                    assertEquals(ExitStatus.exited(1), exec.run(confinedTarget, mkdir, false, false),
                            "no_new_privs " + nnp);
                }
                ContainerExec.Target open = new ContainerExec.Target(l.process(), ContainerSpec.DEFAULT_NAMESPACES,
                        Cgroups.Placement.NONE, id, confined(true, Seccomp.UNCONFINED));
                assertEquals(ExitStatus.exited(0), exec.run(open, mkdir, false, false), "the contrast: no program");
            } finally {
                l.kill();
            }
        } finally {
            storage.release(id);
        }
    }

    @Test
    void theProgramIsLoadedLastWithNoNewPrivileges() {
        assertEquals(ExitStatus.exited(1), mkdir(true, Optional.of(noMkdir())));
    }

    @Test
    void withoutNoNewPrivilegesItIsLoadedWhileCapSysAdminIsStillHeld() {
        assertEquals(ExitStatus.exited(1), mkdir(false, Optional.of(noMkdir())));
    }

    @Test
    void withoutAProgramMkdirWorks() {
        assertEquals(ExitStatus.exited(0), mkdir(true, Optional.empty()));
    }
}

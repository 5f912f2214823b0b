package dev.quilt.linux.monitor;

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
import dev.quilt.ports.ContainerExecContract;
import dev.quilt.ports.ImageStore;
import dev.quilt.ports.ProcessSpawner;
import dev.quilt.ports.SeccompFilters;
import dev.quilt.ports.SpawnFailedException;
import dev.quilt.ports.Stdio;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The session contract on the real kernel, as root: quilt-exec's SESSION mode in one container that sleeps. */
class LinuxContainerExecIT extends ContainerExecContract {
    static final SeccompFilters NONE = (choice, caps) -> Optional.empty();
    private static Path root;
    private static OverlayStorage storage;
    static NativeLibrary lib;
    static LinuxContainerExec exec; // LinuxContainerExecZygoteIT puts one with zygotes on here
    private static ProcessSpawner.Launched launched;
    private static ContainerId id;

    @BeforeAll
    static void up() throws IOException {
        root = Files.createTempDirectory("quilt-exec-session-it-");
        LinuxPaths paths = LinuxPaths.under(root);
        lib = NativeLibrary.load(paths.nativeCache());
        storage = new OverlayStorage(paths);
        Image image;
        try (InputStream tar = new BusyboxImage().openTar()) {
            image = new FsImageStore(paths, new SystemClock(), true).importTar(tar, Optional.of(ImageName.DEFAULT),
                    ImageStore.ImportProgress.NONE);
        }
        id = ContainerId.of("es" + UUID.randomUUID().toString().replace("-", ""));
        storage.prepare(id, image.digest());
        Files.createDirectories(paths.containerState(id));
        ContainerSpec spec = new ContainerSpec(new ProcessSpec(List.of("sleep", "1000"), List.of("PATH=/bin"), "/",
                User.ROOT, false), image.digest(), new Hostname("it"), ContainerSpec.DEFAULT_NAMESPACES, false, false,
                NetworkMode.NONE, Resources.DEFAULT, Optional.empty(), ReadyPolicy.DEFAULT, LogLimit.DEFAULT,
                Security.DEFAULT);
        launched = new MonitorSpawner(paths, lib, NONE).launch(id, spec, Optional.empty(), Cgroups.Placement.NONE,
                ProcessSpawner.Mode.DETACHED, Instant.now().plusSeconds(60));
        exec = new LinuxContainerExec(lib, NONE);
    }

    @AfterAll
    static void down() throws IOException {
        try {
            if (launched != null) {
                launched.kill();
                launched.close();
            }
        } finally {
            if (id != null) storage.release(id);
            AtomicFiles.deleteTree(root);
        }
    }

    @Override
    protected ContainerExec exec() {
        return exec;
    }

    @Override
    protected ContainerExec.Target target() {
        return new ContainerExec.Target(launched.process(), ContainerSpec.DEFAULT_NAMESPACES, Cgroups.Placement.NONE,
                id, Security.DEFAULT);
    }

    @Override
    protected Stdio stdio() {
        return Stdio.INHERITED;
    }

    private static ContainerExec.Target placedIn(Path dir) {
        return new ContainerExec.Target(launched.process(), ContainerSpec.DEFAULT_NAMESPACES,
                new Cgroups.Placement(Optional.empty(), List.of(dir.toString()), Optional.empty()), id,
                Security.DEFAULT);
    }

    /**
     * The command joins the container's cgroups itself, in its child before its execve (native/src/exec/cgroups.h):
     * a cgroup it cannot join fails the exec, step "cgroup" naming the dir, and nothing runs. Here a tasks file
     * whose write the kernel refuses (a link to /dev/full: ENOSPC, met by the command) and a dir that is not there
     * (ENOENT, met by quilt-exec when it opens the files on the host).
     */
    @Test
    void aCgroupTheCommandCannotJoinFailsTheExecAndNothingRuns(@TempDir Path dir) throws IOException {
        Files.createSymbolicLink(dir.resolve("tasks"), Path.of("/dev/full"));
        ProcessSpec touch = new ProcessSpec(List.of("touch", "/ran"), List.of("PATH=/bin:/usr/bin"), "/", User.ROOT,
                false);
        ContainerExec.Options plain = new ContainerExec.Options(false, false, 0, 0, Optional.empty());
        SpawnFailedException refused = assertThrows(SpawnFailedException.class,
                () -> exec.start(placedIn(dir), touch, stdio(), plain));
        assertEquals(SpawnFailedException.Step.CGROUP, refused.step(), refused.getMessage());
        assertEquals("ENOSPC", refused.errnoName(), refused.getMessage());
        assertTrue(refused.getMessage().contains(dir.toString()), refused.getMessage());
        SpawnFailedException missing = assertThrows(SpawnFailedException.class,
                () -> exec.start(placedIn(dir.resolve("gone")), touch, stdio(), plain));
        assertEquals(SpawnFailedException.Step.CGROUP, missing.step(), missing.getMessage());
        assertEquals("ENOENT", missing.errnoName(), missing.getMessage());
        ProcessSpec check = new ProcessSpec(List.of("sh", "-c", "test ! -e /ran"), List.of("PATH=/bin:/usr/bin"), "/",
                User.ROOT, false);
        try (ContainerExec.Session s = exec.start(target(), check, stdio(), plain)) {
            assertEquals(ExitStatus.exited(0), s.await(), "the refused commands never ran");
        }
    }
}

package dev.quilt.linux.monitor;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerSpec;
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
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.StartGate;
import dev.quilt.linux.storage.OverlayStorage;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.ContainerExec;
import dev.quilt.ports.ImageStore;
import dev.quilt.ports.ProcessSpawner;
import dev.quilt.ports.SeccompFilters;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * A created container's zygote is made ahead of its start ({@link ContainerExec#expect}, {@link ExecZygotes#expect}):
 * beside an init that waits at its gate, before anything runs in the container; after the gate opens, the readiness
 * probe, the container's first exec, is forked by it instead of spawned. With zygotes off nothing is made.
 */
class ExecZygotesAheadIT {
    private static final SeccompFilters NONE = (choice, caps) -> Optional.empty();

    @Test
    void aCreatedContainersFirstExecIsForkedByAZygoteMadeBeforeItsStart() throws Exception {
        Path root = Files.createTempDirectory("quilt-zygote-ahead-it-");
        LinuxPaths paths = LinuxPaths.under(root);
        NativeLibrary lib = NativeLibrary.load(paths.nativeCache());
        OverlayStorage storage = new OverlayStorage(paths);
        ContainerId id = ContainerId.of("za" + UUID.randomUUID().toString().replace("-", ""));
        ProcessSpawner.Launched launched = null;
        ExecZygotes zygotes = new ExecZygotes(lib);
        try {
            Image image;
            try (InputStream tar = new BusyboxImage().openTar()) {
                image = new FsImageStore(paths, new SystemClock(), true).importTar(tar, Optional.of(ImageName.DEFAULT),
                        ImageStore.ImportProgress.NONE);
            }
            storage.prepare(id, image.digest());
            Files.createDirectories(paths.containerState(id));
            ContainerSpec spec = new ContainerSpec(new ProcessSpec(List.of("sleep", "1000"), List.of("PATH=/bin"),
                    "/", User.ROOT, false), image.digest(), new Hostname("it"), ContainerSpec.DEFAULT_NAMESPACES, false,
                    false, NetworkMode.NONE, Resources.DEFAULT, Optional.empty(), ReadyPolicy.DEFAULT, LogLimit.DEFAULT,
                    Security.DEFAULT);
            launched = new MonitorSpawner(paths, lib, NONE).launch(id, spec, Optional.empty(),
                    Cgroups.Placement.NONE, ProcessSpawner.Mode.CREATED, Instant.now().plusSeconds(60));
            ContainerExec.Target target = new ContainerExec.Target(launched.process(), ContainerSpec.DEFAULT_NAMESPACES,
                    Cgroups.Placement.NONE, id, Security.DEFAULT);

            // off (the one-shot CLI): nothing is made
            LinuxContainerExec exec = new LinuxContainerExec(lib, NONE, zygotes);
            exec.expect(target);
            zygotes.settled();
            assertEquals(0, zygotes.size(), "zygotes off: none made ahead");

            zygotes.enable();
            exec.expect(target);
            zygotes.settled();
            assertEquals(1, zygotes.size(), "made while the init waits at its gate");
            assertEquals(0, zygotes.forks());

            int pidfd = Processes.openPidfd(launched.process().pid());
            try {
                assertInstanceOf(StartGate.Started.class, StartGate.open(paths.execFifo(id).toString(), pidfd));
            } finally {
                Processes.closeFd(pidfd);
            }
            ContainerExec.Captured probe = exec.probe(target, spec.process(), Duration.ofSeconds(30));
            assertEquals(0, probe.exit().code(), probe.output());
            assertFalse(probe.timedOut());
            assertEquals(1, zygotes.forks(), "the probe, the first exec, forked by the zygote made ahead");
            assertEquals(1, zygotes.size(), "one zygote still");
        } finally {
            zygotes.close();
            if (launched != null) {
                launched.kill();
                launched.close();
            }
            storage.release(id);
            AtomicFiles.deleteTree(root);
        }
    }
}

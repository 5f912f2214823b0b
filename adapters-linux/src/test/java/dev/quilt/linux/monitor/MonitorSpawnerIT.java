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
        spawner = new MonitorSpawner(paths, lib);
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
}

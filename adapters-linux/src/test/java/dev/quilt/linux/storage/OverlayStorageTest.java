package dev.quilt.linux.storage;

import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.SystemClock;
import dev.quilt.linux.image.FsImageStore;
import dev.quilt.ports.ContainerStorage;
import dev.quilt.ports.ContainerStorageContract;
import dev.quilt.ports.ImageStore;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

class OverlayStorageTest extends ContainerStorageContract {
    @TempDir
    Path root;

    private ImageStore images;
    private ContainerStorage storage;

    @Override
    protected ImageStore images() {
        if (images == null) images = new FsImageStore(LinuxPaths.under(root), new SystemClock(), false);
        return images;
    }

    @Override
    protected ContainerStorage storage() {
        if (storage == null) storage = new OverlayStorage(LinuxPaths.under(root));
        return storage;
    }
}

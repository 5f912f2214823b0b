package dev.quilt.linux.storage;

import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.SystemClock;
import dev.quilt.linux.image.FsImageStore;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.ports.ContainerLayers;
import dev.quilt.ports.ContainerLayersContract;
import dev.quilt.ports.ContainerStorage;
import dev.quilt.ports.ImageStore;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The contract without root; a hostile layer made by hand (a device node needs root) is LinuxContainerLayersIT's. */
class LinuxContainerLayersTest extends ContainerLayersContract {
    @TempDir
    Path root;

    private ImageStore images;
    private ContainerStorage storage;
    private ContainerLayers layers;

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

    @Override
    protected ContainerLayers layers() {
        if (layers == null) {
            layers = new LinuxContainerLayers(LinuxPaths.under(root), NativeLibrary.load(root.resolve("native")));
        }
        return layers;
    }
}

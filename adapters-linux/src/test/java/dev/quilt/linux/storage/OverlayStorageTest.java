package dev.quilt.linux.storage;

import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.SystemClock;
import dev.quilt.linux.image.FsImageStore;
import dev.quilt.ports.ContainerStorage;
import dev.quilt.ports.ContainerStorageContract;
import dev.quilt.ports.ImageStore;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.RootFs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Override
    protected RootFs.Directory aRootDirectory() {
        try {
            return new RootFs.Directory(Files.createDirectories(root.resolve("bundle/rootfs")).toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aRootDirectoryThatIsNotThereIsOneLineAndMakesNothing() throws Exception {
        Path file = Files.writeString(root.resolve("file"), "x");
        for (Path missing : new Path[] {root.resolve("nosuch/rootfs"), file}) {
            QuiltException e = assertThrows(QuiltException.class,
                    () -> storage().prepare(ContainerId.of("c1"), new RootFs.Directory(missing.toString())));
            assertEquals(QuiltException.Kind.NOT_FOUND, e.kind());
            assertEquals("root directory " + missing + " is not a directory; make the bundle's rootfs or fix root.path",
                    e.getMessage());
            assertTrue(storage().list().isEmpty());
        }
    }
}

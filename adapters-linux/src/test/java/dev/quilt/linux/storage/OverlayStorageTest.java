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

    /** issue 16: a fork's clone counter goes into its layer; no link the checkpoint's container made is followed. */
    @Test
    void aFileInTheLayerIsWrittenUnderUpperAndNeverThroughALink() throws Exception {
        ContainerId id = ContainerId.of("c1");
        storage().prepare(id, aRootDirectory());
        Path upper = LinuxPaths.under(root).containerLayer(id).resolve("upper");
        storage().writeInLayer(id, "/run/quilt/clone", "7\n".getBytes());
        assertEquals("7\n", Files.readString(upper.resolve("run/quilt/clone")));
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(upper.resolve("run/quilt/clone"))));
        assertEquals("rwxr-xr-x", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(upper.resolve("run/quilt"))));

        Path outside = Files.createDirectories(root.resolve("outside"));
        Files.createSymbolicLink(upper.resolve("etc"), outside);
        QuiltException e = assertThrows(QuiltException.class, () -> storage().writeInLayer(id, "/etc/clone", new byte[1]));
        assertEquals("'/etc' in the layer of container 'c1' is a symbolic link; /etc/clone is not written through it",
                e.getMessage());
        Files.createSymbolicLink(upper.resolve("run/quilt/link"), outside.resolve("target"));
        e = assertThrows(QuiltException.class, () -> storage().writeInLayer(id, "/run/quilt/link", new byte[1]));
        assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
        Files.writeString(upper.resolve("file"), "x");
        e = assertThrows(QuiltException.class, () -> storage().writeInLayer(id, "/file/clone", new byte[1]));
        assertEquals("'/file' in the layer of container 'c1' is not a directory", e.getMessage());
        e = assertThrows(QuiltException.class, () -> storage().writeInLayer(id, "/run/../etc/x", new byte[1]));
        assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
        try (var s = Files.list(outside)) {
            assertEquals(0, s.count(), "nothing written outside the layer");
        }
        storage().release(id);
    }
}

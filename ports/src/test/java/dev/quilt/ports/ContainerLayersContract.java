package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Digest;
import dev.quilt.domain.Image;
import dev.quilt.domain.ImageName;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.RootFs;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What every {@link ContainerLayers} does: a fresh layer walks empty; a container without a layer is NOT_FOUND. */
public abstract class ContainerLayersContract {
    protected abstract ImageStore images();

    protected abstract ContainerStorage storage();

    protected abstract ContainerLayers layers();

    private RootFs anImage() {
        Image i = images().importTar(new ByteArrayInputStream(ImageStoreContract.rootfs("x")),
                Optional.of(new ImageName("x")), ImageStore.ImportProgress.NONE);
        Digest d = i.digest();
        return new RootFs.Image(d);
    }

    @Test
    void aFreshLayerHasNothingInIt() {
        RootFs root = anImage();
        storage().prepare(ContainerId.of("c1"), root);
        assertEquals(List.of(), layers().walk(ContainerId.of("c1"), root));
        storage().release(ContainerId.of("c1"));
    }

    @Test
    void aContainerWithoutALayerIsNotFound() {
        RootFs root = anImage();
        for (Runnable r : List.<Runnable>of(() -> layers().walk(ContainerId.of("c2"), root),
                () -> layers().export(ContainerId.of("c2"), root, new ByteArrayOutputStream()))) {
            assertEquals(QuiltException.Kind.NOT_FOUND, assertThrows(QuiltException.class, r::run).kind());
        }
        storage().prepare(ContainerId.of("c2"), root);
        storage().release(ContainerId.of("c2"));
        assertEquals(QuiltException.Kind.NOT_FOUND,
                assertThrows(QuiltException.class, () -> layers().walk(ContainerId.of("c2"), root)).kind());
    }
}

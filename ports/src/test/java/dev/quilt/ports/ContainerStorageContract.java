package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Digest;
import dev.quilt.domain.Image;
import dev.quilt.domain.ImageName;
import dev.quilt.domain.QuiltException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

public abstract class ContainerStorageContract {
    protected abstract ImageStore images();

    protected abstract ContainerStorage storage();

    private Digest anImage() {
        Image i = images().importTar(new ByteArrayInputStream(ImageStoreContract.rootfs("x")),
                Optional.of(new ImageName("x")), ImageStore.ImportProgress.NONE);
        return i.digest();
    }

    @Test
    void prepareThenReleaseLeavesNothing() {
        Digest image = anImage();
        storage().prepare(ContainerId.of("c1"), image);
        storage().prepare(ContainerId.of("c2"), image);
        assertEquals(Set.of(ContainerId.of("c1"), ContainerId.of("c2")), storage().list());
        storage().release(ContainerId.of("c1"));
        storage().release(ContainerId.of("c1"));
        assertEquals(Set.of(ContainerId.of("c2")), storage().list());
        storage().release(ContainerId.of("c2"));
        assertTrue(storage().list().isEmpty());
    }

    /** A directory root that is there (for the fake, any). */
    protected abstract dev.quilt.domain.RootFs.Directory aRootDirectory();

    @Test
    void aLayerOverADirectoryIsPreparedAndReleased() {
        storage().prepare(ContainerId.of("c1"), aRootDirectory());
        assertEquals(Set.of(ContainerId.of("c1")), storage().list());
        storage().release(ContainerId.of("c1"));
        assertTrue(storage().list().isEmpty());
    }

    @Test
    void anUnknownImageIsNotFound() {
        QuiltException e = assertThrows(QuiltException.class,
                () -> storage().prepare(ContainerId.of("c1"), Digest.sha256("0".repeat(64))));
        assertEquals(QuiltException.Kind.NOT_FOUND, e.kind());
        assertTrue(storage().list().isEmpty());
    }

    @Test
    void aLayerIsPreparedAgainAsItIsAndTwiceIsStillOne() {
        Digest image = anImage();
        storage().prepare(ContainerId.of("c1"), image);
        storage().prepareAgain(ContainerId.of("c1"), new dev.quilt.domain.RootFs.Image(image));
        storage().prepareAgain(ContainerId.of("c1"), new dev.quilt.domain.RootFs.Image(image));
        assertEquals(Set.of(ContainerId.of("c1")), storage().list());
        storage().release(ContainerId.of("c1"));
        assertTrue(storage().list().isEmpty());
    }

    @Test
    void noLayerToRunOnAgainIsNotFoundAndMakesNone() {
        Digest image = anImage();
        QuiltException e = assertThrows(QuiltException.class,
                () -> storage().prepareAgain(ContainerId.of("c1"), new dev.quilt.domain.RootFs.Image(image)));
        assertEquals(QuiltException.Kind.NOT_FOUND, e.kind());
        assertTrue(storage().list().isEmpty());
    }

    @Test
    void anUnknownImageIsNotFoundWhenPreparedAgain() {
        storage().prepare(ContainerId.of("c1"), anImage());
        QuiltException e = assertThrows(QuiltException.class, () -> storage().prepareAgain(ContainerId.of("c1"),
                new dev.quilt.domain.RootFs.Image(Digest.sha256("0".repeat(64)))));
        assertEquals(QuiltException.Kind.NOT_FOUND, e.kind());
        assertEquals(Set.of(ContainerId.of("c1")), storage().list());
        storage().release(ContainerId.of("c1"));
    }

    @Test
    void aFileIsWrittenInALayerAndNeverWithoutOne() {
        storage().prepare(ContainerId.of("c1"), anImage());
        storage().writeInLayer(ContainerId.of("c1"), "/run/quilt/clone", "3\n".getBytes());
        storage().writeInLayer(ContainerId.of("c1"), "/run/quilt/clone", "4\n".getBytes()); // written over
        QuiltException e = assertThrows(QuiltException.class,
                () -> storage().writeInLayer(ContainerId.of("c2"), "/run/quilt/clone", new byte[0]));
        assertEquals(QuiltException.Kind.NOT_FOUND, e.kind());
        e = assertThrows(QuiltException.class,
                () -> storage().writeInLayer(ContainerId.of("c1"), "run/quilt/clone", new byte[0]));
        assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
        assertEquals(Set.of(ContainerId.of("c1")), storage().list(), "no layer made for c2");
        storage().release(ContainerId.of("c1"));
    }
}

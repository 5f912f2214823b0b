package dev.quilt.ports;

import dev.quilt.domain.Image;
import dev.quilt.domain.ImageName;
import dev.quilt.domain.QuiltException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

public abstract class ImageStoreContract {
    protected abstract ImageStore store();

    protected static byte[] rootfs(String marker) {
        return new TestTars().dir("bin/").file("bin/marker", marker).dir("etc/").file("etc/hostname", "box\n").bytes();
    }

    private Image importBytes(byte[] tar, String name) {
        return store().importTar(new ByteArrayInputStream(tar), Optional.ofNullable(name).map(ImageName::new),
                ImageStore.ImportProgress.NONE);
    }

    @Test
    void importsAreContentAddressedAndFindableEveryWay() {
        Image a = importBytes(rootfs("a"), "alpha");
        assertEquals(List.of(new ImageName("alpha")), a.names());
        assertEquals(Optional.of(a.digest()), store().find("alpha").map(Image::digest));
        assertEquals(Optional.of(a.digest()), store().find(a.digest().value()).map(Image::digest));
        assertEquals(Optional.of(a.digest()), store().find(a.digest().hex().substring(0, 10)).map(Image::digest));
        assertTrue(store().find("nope").isEmpty());
        assertEquals(Optional.of(a.digest()), store().resolve("alpha"));
        assertEquals(Optional.of(a.digest()), store().resolve(a.digest().value()));
        assertEquals(Optional.of(a.digest()), store().resolve(a.digest().hex().substring(0, 10)));
        assertTrue(store().resolve("nope").isEmpty());
    }

    @Test
    void theSameContentTwiceIsOneImageWithTwoNames() {
        Image a = importBytes(rootfs("a"), "alpha");
        Image again = importBytes(rootfs("a"), "beta");
        assertEquals(a.digest(), again.digest());
        assertEquals(List.of(new ImageName("alpha"), new ImageName("beta")), again.names());
        assertEquals(1, store().list().size());
        Image b = importBytes(rootfs("b"), null);
        assertNotEquals(a.digest(), b.digest());
        assertEquals(2, store().list().size());
    }

    @Test
    void aNameMovesToTheNewestImportLikeATag() {
        importBytes(rootfs("a"), "app");
        Image b = importBytes(rootfs("b"), "app");
        assertEquals(Optional.of(b.digest()), store().find("app").map(Image::digest));
    }

    @Test
    void untagTakesOneNameAndLeavesTheImage() {
        Image a = importBytes(rootfs("a"), "alpha");
        importBytes(rootfs("a"), "beta");
        assertTrue(store().untag(new ImageName("alpha")));
        assertTrue(store().find("alpha").isEmpty());
        assertEquals(List.of(new ImageName("beta")), store().find(a.digest().value()).orElseThrow().names());
        assertEquals(false, store().untag(new ImageName("alpha")));
    }

    @Test
    void removeTakesTheImageAndItsNames() {
        Image a = importBytes(rootfs("a"), "alpha");
        store().remove(a.digest());
        assertTrue(store().find("alpha").isEmpty());
        assertTrue(store().find(a.digest().value()).isEmpty());
        assertTrue(store().list().isEmpty());
        store().remove(a.digest()); // no-op
    }

    @Test
    void anEmptyArchiveIsRefused() {
        QuiltException e = assertThrows(QuiltException.class, () -> importBytes(new byte[0], "x"));
        assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
        assertTrue(store().list().isEmpty());
    }

    @Test
    void anAmbiguousPrefixIsAConflict() {
        importBytes(rootfs("a"), null);
        importBytes(rootfs("b"), null);
        // "" is a prefix of both, but not a valid reference: one of the two answers
        try {
            assertTrue(store().find("").isEmpty());
        } catch (QuiltException e) {
            assertEquals(QuiltException.Kind.CONFLICT, e.kind());
        }
    }
}

package dev.quilt.domain;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RootFsTest {
    @Test
    void aDirectoryIsAnAbsolutePathWithoutDotsOrNul() {
        assertEquals("/srv/b/rootfs", new RootFs.Directory("/srv/b/rootfs").describe());
        assertEquals("root directory 'rootfs' must be an absolute path",
                assertThrows(QuiltException.class, () -> new RootFs.Directory("rootfs")).getMessage());
        assertEquals("root directory '/srv/../etc' must not hold '.' or '..'",
                assertThrows(QuiltException.class, () -> new RootFs.Directory("/srv/../etc")).getMessage());
        assertEquals("root directory '/srv/./b' must not hold '.' or '..'",
                assertThrows(QuiltException.class, () -> new RootFs.Directory("/srv/./b")).getMessage());
        assertEquals("a root directory path holds a NUL byte",
                assertThrows(QuiltException.class, () -> new RootFs.Directory("/srv/\0")).getMessage());
    }

    @Test
    void anImageIsShownByItsDigest() {
        Digest d = Digest.sha256("ab".repeat(32));
        assertEquals(d.value(), new RootFs.Image(d).describe());
        assertEquals("abababababab", new RootFs.Image(d).shortForm());
    }
}

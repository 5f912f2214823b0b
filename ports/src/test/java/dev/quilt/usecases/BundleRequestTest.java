package dev.quilt.usecases;

import dev.quilt.domain.QuiltException;
import dev.quilt.domain.oci.RuntimeSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BundleRequestTest {
    private static final RuntimeSpec EMPTY = new RuntimeSpec("1.0.2", Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), List.of(), Optional.empty(), Optional.empty(), Map.of());

    private static BundleRequest in(String bundle) {
        return new BundleRequest(EMPTY, bundle, Optional.empty(), List.of());
    }

    /** runc's filepath.Join: relative to the bundle, lexically, never through the file system. */
    @Test
    void rootPathIsTheBundlesWhenRelative() {
        assertEquals("/b/rootfs", in("/b").rootPath("rootfs"));
        assertEquals("/b/rootfs", in("/b/").rootPath("./rootfs/"));
        assertEquals("/srv/rootfs", in("/b").rootPath("../srv/rootfs"));
        assertEquals("/x/merged", in("/b").rootPath("/x/merged"));
        assertEquals("/", in("/b").rootPath("../../.."));
    }

    @Test
    void theBundleIsAnAbsolutePath() {
        assertEquals("bundle 'b' must be an absolute path",
                assertThrows(QuiltException.class, () -> in("b")).getMessage());
    }

    /** issue 16: dev.quilt.persist is true or false; anything else is refused before anything is made. */
    @Test
    void thePersistAnnotationIsTrueOrFalse() {
        RuntimeSpec asked = new RuntimeSpec("1.0.2", Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), List.of(), Optional.empty(), Optional.empty(), Map.of("dev.quilt.persist", "true"));
        assertEquals("/b", new BundleRequest(asked, "/b", Optional.empty(), List.of()).bundle());
        RuntimeSpec bad = new RuntimeSpec("1.0.2", Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), List.of(), Optional.empty(), Optional.empty(), Map.of("dev.quilt.persist", "on"));
        assertEquals("annotation dev.quilt.persist='on' must be true or false", assertThrows(QuiltException.class,
                () -> new BundleRequest(bad, "/b", Optional.empty(), List.of())).getMessage());
    }
}

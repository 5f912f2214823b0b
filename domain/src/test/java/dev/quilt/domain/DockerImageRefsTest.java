package dev.quilt.domain;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DockerImageRefsTest {
    @Test
    void latestAndDockersDefaultRegistryMapToTheBareQuiltName() {
        assertEquals("busybox", DockerImageRefs.toQuilt("busybox"));
        assertEquals("busybox", DockerImageRefs.toQuilt("busybox:latest"));
        assertEquals("busybox", DockerImageRefs.toQuilt("library/busybox:latest"));
        assertEquals("busybox", DockerImageRefs.toQuilt("docker.io/library/busybox"));
        assertEquals("agent:v2", DockerImageRefs.toQuilt("agent:v2"));
    }

    @Test
    void digestsAndShortIdsPassThrough() {
        String d = "sha256:" + "a".repeat(64);
        assertEquals(d, DockerImageRefs.toQuilt(d));
        assertEquals("0123456789ab", DockerImageRefs.toQuilt("0123456789ab"));
    }

    @Test
    void repoTagsCarryATagAndRoundTrip() {
        assertEquals("busybox:latest", DockerImageRefs.repoTag(new ImageName("busybox")));
        assertEquals("agent:v2", DockerImageRefs.repoTag(new ImageName("agent:v2")));
        for (String tag : new String[] {"busybox:latest", "agent:v2"}) {
            assertEquals(tag, DockerImageRefs.repoTag(DockerImageRefs.nameOf(tag)));
        }
    }

    @Test
    void aNameWithARegistryOrSlashIsRefusedSayingWhat() {
        QuiltException e = assertThrows(QuiltException.class, () -> DockerImageRefs.nameOf("quay.io/org/app:1"));
        assertTrue(e.getMessage().contains("no registry or '/'"), e.getMessage());
    }
}

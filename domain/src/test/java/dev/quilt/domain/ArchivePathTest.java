package dev.quilt.domain;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArchivePathTest {
    @Test
    void namesAreNormalised() {
        assertEquals(List.of("etc", "passwd"), ArchivePath.parse("./etc//passwd").components());
        assertEquals(List.of("bin"), ArchivePath.parse("bin/").components());
        assertTrue(ArchivePath.parse("./").isRoot());
    }

    @Test
    void escapesAreRefusedNamingTheEntry() {
        assertEquals("refused archive entry '../escape': it climbs out with '..'",
                assertThrows(QuiltException.class, () -> ArchivePath.parse("../escape")).getMessage());
        assertThrows(QuiltException.class, () -> ArchivePath.parse("a/../../b"));
        assertEquals("refused archive entry '/abs': it is an absolute path",
                assertThrows(QuiltException.class, () -> ArchivePath.parse("/abs")).getMessage());
        assertThrows(QuiltException.class, () -> ArchivePath.parse("a\0b"));
    }
}

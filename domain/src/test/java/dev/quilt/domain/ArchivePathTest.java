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

    @Test
    void namesLongerThanLinuxAllowsAreRefusedInOneShortLine() {
        assertEquals(List.of("a".repeat(255)), ArchivePath.parse("a".repeat(255)).components());
        QuiltException e = assertThrows(QuiltException.class, () -> ArchivePath.parse("d/" + "a".repeat(300)));
        assertEquals("refused archive entry 'd/" + "a".repeat(78) + "...': it has a name of 300 bytes; Linux allows 255",
                e.getMessage());
        assertTrue(assertThrows(QuiltException.class, () -> ArchivePath.parse("\u00e9".repeat(128))).getMessage()
                .endsWith("it has a name of 256 bytes; Linux allows 255"), "counted in UTF-8 bytes");
        String deep = ("b".repeat(200) + "/").repeat(21);
        assertTrue(assertThrows(QuiltException.class, () -> ArchivePath.parse(deep)).getMessage()
                .endsWith("it is a path of 4221 bytes; Linux allows 4095"));
    }
}

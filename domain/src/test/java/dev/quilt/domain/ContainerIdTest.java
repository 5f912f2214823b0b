package dev.quilt.domain;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContainerIdTest {
    @Test
    void acceptsTheRuncAlphabet() {
        assertEquals("web-1_a.b", ContainerId.of("web-1_a.b").value());
        assertEquals("x", ContainerId.of("x").value());
        ContainerId.of("a".repeat(64));
    }

    @Test
    void refusesPathsEmptyAndLongWithOneClearLine() {
        QuiltException e = assertThrows(QuiltException.class, () -> ContainerId.of("../x"));
        assertEquals("invalid container id '../x': use 1 to 64 of a-z A-Z 0-9 _ . -, starting with a letter or digit",
                e.getMessage());
        assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
        assertEquals("container id must not be empty", assertThrows(QuiltException.class, () -> ContainerId.of("")).getMessage());
        QuiltException longOne = assertThrows(QuiltException.class, () -> ContainerId.of("a".repeat(300)));
        assertTrue(longOne.getMessage().length() < 200, "a 300-character id is not echoed whole");
        assertThrows(QuiltException.class, () -> ContainerId.of("a".repeat(65)));
        assertThrows(QuiltException.class, () -> ContainerId.of(".hidden"));
        assertThrows(QuiltException.class, () -> ContainerId.of("a/b"));
        assertThrows(QuiltException.class, () -> ContainerId.of("a\nb"));
    }

    @Test
    void controlCharactersAreShownEscaped() {
        QuiltException e = assertThrows(QuiltException.class, () -> ContainerName.of("a\u001b[31m"));
        assertTrue(e.getMessage().contains("\\x1b"), e.getMessage());
    }

    @Test
    void randomIdsAre64HexAndShortFormIs12() {
        ContainerId id = ContainerId.random(new byte[32]);
        assertEquals(64, id.value().length());
        assertEquals(12, id.shortForm().length());
    }

    @Property
    void anyAcceptedIdIsASafeSingleFileName(@ForAll @StringLength(max = 80) String s) {
        try {
            ContainerId id = ContainerId.of(s);
            assertTrue(!id.value().contains("/") && !id.value().equals("..") && !id.value().startsWith("."));
            assertTrue(id.value().length() <= 64);
        } catch (QuiltException e) {
            assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
        }
    }
}

package dev.quilt.domain;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Quilt's name rule ({@link ContainerName#of}) and runc's ID rule ({@link ContainerName#runc}), both stored as names. */
class ContainerNameTest {
    @Test
    void runcIdsTakeRuncsWiderRule() {
        for (String id : List.of("_x", "+a", ".hidden", "a+b_c.d-e", "x".repeat(255),
                "3f1c9a0e5b7d4c2a9e8f6b1d0c3a5e7f9b2d4c6a8e0f1b3d5c7a9e2f4b6d8c0a")) {
            assertEquals(id, ContainerName.runc(id).value());
            assertEquals(id, ContainerName.parse(id).orElseThrow().value(), "read back from the names directory");
        }
    }

    @Test
    void runcIdsOutsideTheRuleAreOneLine() {
        for (String id : List.of("", ".", "..", "a/b", "a b", "é", "x".repeat(256), "a\nb")) {
            QuiltException e = assertThrows(QuiltException.class, () -> ContainerName.runc(id));
            assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
            assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void quiltNamesKeepQuiltsRule() {
        assertThrows(QuiltException.class, () -> ContainerName.of("_x"));
        assertThrows(QuiltException.class, () -> ContainerName.of("+a"));
        assertThrows(QuiltException.class, () -> ContainerName.of("x".repeat(65)));
        assertEquals("web-1", ContainerName.of("web-1").value());
    }
}

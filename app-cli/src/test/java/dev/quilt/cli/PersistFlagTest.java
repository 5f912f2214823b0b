package dev.quilt.cli;

import dev.quilt.domain.QuiltException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code --persist} on run/create is the label quilt.persist=true (issue 16, item 7). */
class PersistFlagTest {
    @Test
    void persistIsTheLabel() {
        assertEquals(Map.of("a", "1", "quilt.persist", "true"),
                ContainerOptions.persisted(true, "web", ContainerOptions.labels(List.of("a=1"))));
        assertEquals(Map.of("a", "1"), ContainerOptions.persisted(false, null, ContainerOptions.labels(List.of("a=1"))),
                "without the flag the labels are as given");
        assertEquals(Map.of("quilt.persist", "true"),
                ContainerOptions.persisted(true, "web", ContainerOptions.labels(List.of("quilt.persist=TRUE"))));
    }

    @Test
    void persistNeedsANameAndNoContraryLabel() {
        assertEquals("--persist needs --name: the next run or create finds the checkpoint by name",
                assertThrows(QuiltException.class, () -> ContainerOptions.persisted(true, null, Map.of())).getMessage());
        assertEquals("--persist and --label quilt.persist=false contradict each other",
                assertThrows(QuiltException.class, () -> ContainerOptions.persisted(true, "web",
                        Map.of("quilt.persist", "false"))).getMessage());
    }
}

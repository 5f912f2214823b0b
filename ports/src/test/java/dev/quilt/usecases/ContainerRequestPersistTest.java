package dev.quilt.usecases;

import dev.quilt.domain.ContainerName;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Resources;
import dev.quilt.domain.User;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** issue 16: the label quilt.persist is refused at create when malformed, or when there is no name to restore by. */
class ContainerRequestPersistTest {
    private static ContainerRequest request(Optional<ContainerName> name) {
        return new ContainerRequest(Optional.empty(), name, List.of("true"), List.of(), k -> Optional.empty(),
                Optional.empty(), "/", User.ROOT, false, false, false, NetworkMode.NONE, Resources.DEFAULT);
    }

    @Test
    void aPersistedRequestNeedsAName() {
        assertEquals("label quilt.persist=true needs a container name: the next create finds the checkpoint by name",
                assertThrows(QuiltException.class, () -> request(Optional.empty())
                        .withLabels(Map.of("quilt.persist", "true"))).getMessage());
        assertEquals(Map.of("quilt.persist", "true"), request(Optional.of(ContainerName.of("web")))
                .withLabels(Map.of("quilt.persist", "true")).labels());
        assertEquals(Map.of("quilt.persist", "false"), request(Optional.empty())
                .withLabels(Map.of("quilt.persist", "false")).labels(), "false needs no name");
    }

    @Test
    void aMalformedValueIsRefusedNamingTheLabel() {
        assertEquals("label quilt.persist='maybe' must be true or false", assertThrows(QuiltException.class,
                () -> request(Optional.of(ContainerName.of("web"))).withLabels(Map.of("quilt.persist", "maybe")))
                .getMessage());
    }
}

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

    /** Every face builds a request: --persist with what a checkpoint always refuses is refused at create (item 7). */
    @Test
    void persistWithWhatCanNeverBeCheckpointedIsRefusedNamingTheOption() {
        Optional<ContainerName> web = Optional.of(ContainerName.of("web"));
        Map<String, String> persist = Map.of("quilt.persist", "true");
        ContainerRequest withInit = new ContainerRequest(Optional.empty(), web, List.of("true"), List.of(),
                k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false, true, NetworkMode.NONE,
                Resources.DEFAULT);
        assertEquals("--persist (label quilt.persist=true) cannot go with --init (or no command: Quilt's init is then"
                + " pid 1): its pid 1 cannot be checkpointed (CRIU does not restore a sealed memfd); drop one of them,"
                + " or give a command of its own",
                assertThrows(QuiltException.class, () -> withInit.withLabels(persist)).getMessage());
        ContainerRequest host = new ContainerRequest(Optional.empty(), web, List.of("true"), List.of(),
                k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false, false, NetworkMode.HOST,
                Resources.DEFAULT);
        assertEquals(QuiltException.Kind.INVALID_INPUT, assertThrows(QuiltException.class,
                () -> host.withLabels(persist)).kind());
        ContainerRequest bind = request(web).withSecurity(dev.quilt.domain.Security.DEFAULT.withMounts(List.of(
                new dev.quilt.domain.MountSpec("/data", "bind", "/srv/data", List.of("rbind")))));
        assertEquals("--persist (label quilt.persist=true) cannot go with the bind mount -v /srv/data:/data: a"
                + " container with bind mounts from the host cannot be checkpointed; drop one of them",
                assertThrows(QuiltException.class, () -> bind.withLabels(persist)).getMessage());
        assertEquals(Map.of("quilt.persist", "false"), bind.withLabels(Map.of("quilt.persist", "false")).labels(),
                "not persisted: the bind mount is fine");
        assertEquals(persist, request(web).withLabels(persist).labels());
    }
}

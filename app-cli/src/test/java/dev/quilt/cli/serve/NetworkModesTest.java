package dev.quilt.cli.serve;

import dev.quilt.domain.NetworkMode;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NetworkModesTest {
    @Test
    void aMadeNetworkNameIsTheBridgeAndAnUnknownOneIsNothing() {
        Set<String> made = Set.of("proj_default");
        assertEquals(Optional.of(NetworkMode.BRIDGE), NetworkModes.resolve("proj_default", made::contains));
        assertEquals(Optional.empty(), NetworkModes.resolve("other", made::contains));
        assertEquals(Optional.of(NetworkMode.NONE), NetworkModes.resolve("none", made::contains));
        assertEquals(Optional.of(NetworkMode.HOST), NetworkModes.resolve("host", n -> true));
        assertEquals(Optional.of(NetworkMode.BRIDGE), NetworkModes.resolve("default", made::contains));
    }
}

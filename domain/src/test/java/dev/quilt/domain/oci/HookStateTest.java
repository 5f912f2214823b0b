package dev.quilt.domain.oci;

import dev.quilt.domain.Bundle;
import dev.quilt.domain.RuncTerms;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HookStateTest {
    static final Bundle BUNDLE = new Bundle("/srv/b\"x", Map.of("z", "last", "a", "line\none"), Map.of(),
            Optional.empty(), null, RuncTerms.RUNC);

    @Test
    void theStateHasRuntimeMdsFieldsWithStatusAndPidBetweenHeadAndTail() {
        String json = HookState.json("c1", "creating", 42, BUNDLE);
        assertEquals("{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":42,"
                + "\"bundle\":\"/srv/b\\\"x\",\"annotations\":{\"a\":\"line\\none\",\"z\":\"last\"}}", json);
        assertEquals(HookState.head("c1") + ",\"status\":\"creating\",\"pid\":42" + HookState.tail(BUNDLE), json);
    }

    @Test
    void aStoppedContainerWithoutAPidLeavesItOut() {
        assertEquals("{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"stopped\",\"bundle\":\"/b\",\"annotations\":{}}",
                HookState.json("c1", "stopped", 0, new Bundle("/b", Map.of(), Map.of(), Optional.empty(), null, null)));
    }

    @Test
    void controlCharactersAreEscaped() {
        assertEquals("\"a\\u0001b\\tc\\\\\"", JsonString.quote("a\u0001b\tc\\"));
    }
}

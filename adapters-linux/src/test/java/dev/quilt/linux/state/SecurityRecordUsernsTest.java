package dev.quilt.linux.state;

import dev.quilt.domain.Security;
import dev.quilt.domain.UserNamespace;
import dev.quilt.domain.UserNamespace.IdMapping;
import dev.quilt.linux.JsonCodec;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The user namespace in state.json: exec joins it, inspect shows it, as the OCI spec's uidMappings/gidMappings. */
class SecurityRecordUsernsTest {
    private static Security roundTrip(Security s) throws IOException {
        byte[] json = JsonCodec.write(Map.of("security", SecurityRecord.toMap(s)));
        return SecurityRecord.fromSpec(JsonCodec.read(json));
    }

    @Test
    void everyModeSurvivesTheRecord() throws IOException {
        UserNamespace.Mapped m = new UserNamespace.Mapped(
                List.of(new IdMapping(0, 2147483648L, 65536), new IdMapping(65536, 100, 1)),
                List.of(new IdMapping(0, 300000, 65536)));
        for (UserNamespace u : List.of(UserNamespace.HOST, new UserNamespace.Auto(1000), m)) {
            assertEquals(u, roundTrip(Security.DEFAULT.withUserns(u)).userns());
        }
        String json = new String(JsonCodec.write(SecurityRecord.toMap(Security.DEFAULT.withUserns(m))));
        assertTrue(json.contains("\"uidMappings\":[{\"containerID\":0,\"hostID\":2147483648,\"size\":65536}"), json);
    }

    @Test
    void aRecordFromBeforeUserNamespacesHasNone() throws IOException {
        Map<String, Object> old = new java.util.LinkedHashMap<>(SecurityRecord.toMap(Security.DEFAULT));
        old.remove("userns");
        assertEquals(UserNamespace.HOST, SecurityRecord.fromSpec(JsonCodec.read(JsonCodec.write(Map.of("security", old)))).userns());
    }

    @Test
    void anUnknownModeBreaksTheRecordWithItsName() throws IOException {
        Map<String, Object> bad = new java.util.LinkedHashMap<>(SecurityRecord.toMap(Security.DEFAULT));
        bad.put("userns", Map.of("mode", "keep-id"));
        IOException e = assertThrows(IOException.class,
                () -> SecurityRecord.fromSpec(JsonCodec.read(JsonCodec.write(Map.of("security", bad)))));
        assertTrue(e.getMessage().contains("userns.mode"), e.getMessage());
    }
}

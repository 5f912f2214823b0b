package dev.quilt.linux.state;

import dev.quilt.domain.DeviceCgroupRule;
import dev.quilt.domain.Security;
import dev.quilt.linux.JsonCodec;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A bundle's device rules in state.json: inspect shows what the devices cgroup got, in order. */
class SecurityRecordDeviceRulesTest {
    private static Security roundTrip(Security s) throws IOException {
        return SecurityRecord.fromSpec(JsonCodec.read(JsonCodec.write(Map.of("security", SecurityRecord.toMap(s)))));
    }

    @Test
    void rulesSurviveTheRecordInOrder() throws IOException {
        List<DeviceCgroupRule> rules = List.of(new DeviceCgroupRule(false, 'a', -1, -1, "rwm"),
                new DeviceCgroupRule(true, 'c', 10, 200, "rwm"), new DeviceCgroupRule(false, 'c', 10, 200, "w"),
                new DeviceCgroupRule(true, 'c', 136, -1, "rwm"), new DeviceCgroupRule(true, 'b', -1, -1, "m"));
        Security s = Security.DEFAULT.withDeviceRules(rules);
        assertEquals(s, roundTrip(s));
        String json = new String(JsonCodec.write(SecurityRecord.toMap(s)));
        assertTrue(json.contains("{\"allow\":true,\"type\":\"c\",\"major\":136,\"minor\":-1,\"access\":\"rwm\"}"), json);
    }

    @Test
    void theEnginesOwnPolicyWritesNoRulesAndARecordWithoutThemHasNone() throws IOException {
        Map<String, Object> m = SecurityRecord.toMap(Security.DEFAULT);
        assertFalse(m.containsKey("deviceRules"), m.toString());
        assertEquals(List.of(), roundTrip(Security.DEFAULT).deviceRules());
    }
}

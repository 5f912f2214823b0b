package dev.quilt.linux.cgroup;

import dev.quilt.domain.DeviceSpec;
import dev.quilt.domain.Security;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CgroupsV1DevicesTest {
    @Test
    void theDefaultPolicyIsRuncs() {
        assertEquals(CgroupsV1.DEVICES, CgroupsV1.deviceRules(Security.DEFAULT));
    }

    @Test
    void aDeviceIsAllowedWithItsAccess() {
        Security s = Security.DEFAULT.withDevices(List.of(new DeviceSpec("/dev/tun", 'c', 10, 200, 0600, 0, 0, "rw"),
                new DeviceSpec("/dev/sdz", 'b', 8, 0, 0660, 0, 6, "r")));
        List<String> want = new ArrayList<>(CgroupsV1.DEVICES);
        want.addAll(List.of("c 10:200 rw", "b 8:0 r"));
        assertEquals(want, CgroupsV1.deviceRules(s));
    }

    @Test
    void privilegedAllowsEveryDevice() {
        Security d = Security.DEFAULT;
        Security p = new Security(d.capabilities(), false, d.seccomp(), List.of(), List.of(), Optional.empty(), Map.of(),
                List.of(), List.of(), List.of(), List.of(), false, true);
        assertEquals(List.of("a"), CgroupsV1.deviceRules(p));
    }
}

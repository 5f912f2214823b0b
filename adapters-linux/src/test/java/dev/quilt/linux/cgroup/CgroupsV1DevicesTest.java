package dev.quilt.linux.cgroup;

import dev.quilt.domain.DeviceCgroupRule;
import dev.quilt.domain.DeviceSpec;
import dev.quilt.domain.Security;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CgroupsV1DevicesTest {
    /** The policy as the lines written, {@code deny a}, {@code allow c 1:3 rwm}, … in order. */
    private static List<String> lines(Security s) {
        return CgroupsV1.devicePolicy(s).stream().map(r -> (r.allow() ? "allow " : "deny ") + r.entry()).toList();
    }

    private static List<String> denyAllThen(List<String> allowed) {
        List<String> out = new ArrayList<>(List.of("deny a"));
        for (String a : allowed) out.add("allow " + a);
        return out;
    }

    @Test
    void theDefaultPolicyIsRuncs() {
        assertEquals(denyAllThen(List.of("c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm",
                "c 1:9 rwm", "c 5:0 rwm", "c 5:2 rwm", "c 136:* rwm")), lines(Security.DEFAULT));
    }

    @Test
    void aDeviceIsAllowedWithItsAccess() {
        Security s = Security.DEFAULT.withDevices(List.of(new DeviceSpec("/dev/tun", 'c', 10, 200, 0600, 0, 0, "rw"),
                new DeviceSpec("/dev/sdz", 'b', 8, 0, 0660, 0, 6, "r")));
        List<String> want = new ArrayList<>(CgroupsV1.DEVICES);
        want.addAll(List.of("c 10:200 rw", "b 8:0 r"));
        assertEquals(denyAllThen(want), lines(s));
    }

    @Test
    void privilegedAllowsEveryDevice() {
        Security d = Security.DEFAULT;
        Security p = new Security(d.capabilities(), false, d.seccomp(), List.of(), List.of(), Optional.empty(), Map.of(),
                List.of(), List.of(), List.of(), List.of(), false, true);
        assertEquals(List.of("allow a"), lines(p));
    }

    /**
     * A bundle's rules go in its order, deny and allow, and runc's default allowance after them (runc 1.1's
     * specconv appends its default devices' rules to the spec's); its devices add no rule of their own.
     */
    @Test
    void aBundlesRulesComeInItsOrderThenRuncsAllowance() {
        Security s = Security.DEFAULT.withDevices(List.of(new DeviceSpec("/dev/fuse", 'c', 10, 229, 0666, 0, 0, "rwm")))
                .withDeviceRules(List.of(new DeviceCgroupRule(false, 'a', -1, -1, "rwm"),
                        new DeviceCgroupRule(true, 'c', 10, 229, "rwm"),
                        new DeviceCgroupRule(true, 'c', 5, 1, "rwm"),
                        new DeviceCgroupRule(true, 'c', 10, 200, "rwm"),
                        new DeviceCgroupRule(false, 'c', 10, 200, "w"),
                        new DeviceCgroupRule(true, 'b', -1, -1, "m")));
        List<String> want = new ArrayList<>(List.of("deny a", "deny a", "allow c 10:229 rwm", "allow c 5:1 rwm",
                "allow c 10:200 rwm", "deny c 10:200 w", "allow b *:* m"));
        for (String a : CgroupsV1.DEVICES) want.add("allow " + a);
        assertEquals(want, lines(s));
    }
}

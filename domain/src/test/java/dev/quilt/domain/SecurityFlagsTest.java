package dev.quilt.domain;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SecurityFlagsTest {
    private static SecurityFlags.Given given(List<String> add, List<String> drop, boolean privileged, List<String> opts,
                                             List<String> groups, List<String> ulimits, List<String> sysctls) {
        return new SecurityFlags.Given(add, drop, privileged, opts, Optional.empty(), groups, ulimits, sysctls);
    }

    private static Security flags(List<String> opts) {
        return SecurityFlags.security(given(List.of(), List.of(), false, opts, List.of(), List.of(), List.of()),
                NetworkMode.BRIDGE);
    }

    private static String refused(Runnable r) {
        QuiltException e = assertThrows(QuiltException.class, r::run);
        assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void noFlagsArePodmansDefaults() {
        Security s = flags(List.of());
        assertEquals(Capabilities.DEFAULT, s.capabilities());
        assertTrue(s.noNewPrivileges());
        assertEquals(Seccomp.DEFAULT, s.seccomp());
        assertEquals(Security.DEFAULT_MASKED, s.maskedPaths());
        assertEquals(Security.DEFAULT_READONLY, s.readonlyPaths());
        assertEquals(List.of(), s.additionalGids());
        assertFalse(s.privileged());
    }

    @Test
    void capAddAndDropTakeCommaListsAndAll() {
        Security s = SecurityFlags.security(given(List.of("net_raw,CAP_SYS_ADMIN"), List.of("chown", "KILL"), false,
                List.of(), List.of(), List.of(), List.of()), NetworkMode.NONE);
        assertTrue(s.capabilities().effective().containsAll(EnumSet.of(Capability.NET_RAW, Capability.SYS_ADMIN)));
        assertFalse(s.capabilities().bounding().contains(Capability.CHOWN));
        assertFalse(s.capabilities().permitted().contains(Capability.KILL));
        assertEquals(Capabilities.ALL, SecurityFlags.security(given(List.of("ALL"), List.of(), false, List.of(),
                List.of(), List.of(), List.of()), NetworkMode.NONE).capabilities());
        assertEquals(Set0.NONE, SecurityFlags.security(given(List.of(), List.of("all"), false, List.of(), List.of(),
                List.of(), List.of()), NetworkMode.NONE).capabilities().effective());
    }

    @Test
    void dropAllThenAddKeepsOnlyTheAddedOnesAsDockerDoes() {
        for (List<List<String>> addDrop : List.of(List.of(List.of("CHOWN", "kill"), List.of("ALL")),
                List.of(List.of("CHOWN,KILL"), List.of("all", "NET_RAW")))) {
            Capabilities c = SecurityFlags.security(given(addDrop.get(0), addDrop.get(1), false, List.of(), List.of(),
                    List.of(), List.of()), NetworkMode.NONE).capabilities();
            assertEquals(EnumSet.of(Capability.CHOWN, Capability.KILL), EnumSet.copyOf(c.effective()), addDrop.toString());
            assertEquals(c.effective(), c.bounding());
        }
        Capabilities allButOne = SecurityFlags.security(given(List.of("ALL"), List.of("SYS_ADMIN"), false, List.of(),
                List.of(), List.of(), List.of()), NetworkMode.NONE).capabilities();
        assertFalse(allButOne.bounding().contains(Capability.SYS_ADMIN));
        assertEquals(Capability.values().length - 1, allButOne.bounding().size());
        // neither ALL: the default set without the dropped, with the added, whatever the order
        Capabilities both = SecurityFlags.security(given(List.of("NET_RAW"), List.of("CHOWN"), false, List.of(),
                List.of(), List.of(), List.of()), NetworkMode.NONE).capabilities();
        assertTrue(both.effective().contains(Capability.NET_RAW) && !both.effective().contains(Capability.CHOWN));
    }

    @Test
    void anEmptyCapabilityNameIsOneLine() {
        for (String bad : List.of("", "NET_RAW,", ",CHOWN", " ")) {
            assertTrue(refused(() -> SecurityFlags.security(given(List.of(bad), List.of(), false, List.of(), List.of(),
                    List.of(), List.of()), NetworkMode.NONE)).contains("an empty capability name"), bad);
        }
    }

    private static final class Set0 {
        static final java.util.Set<Capability> NONE = java.util.Set.of();
    }

    @Test
    void privilegedIsEverythingUnconfinedUnmasked() {
        Security s = SecurityFlags.security(given(List.of(), List.of(), true, List.of(), List.of(), List.of(), List.of()),
                NetworkMode.BRIDGE);
        assertEquals(Capabilities.ALL, s.capabilities());
        assertEquals(Seccomp.UNCONFINED, s.seccomp());
        assertFalse(s.noNewPrivileges());
        assertEquals(List.of(), s.maskedPaths());
        assertEquals(List.of(), s.readonlyPaths());
        assertTrue(s.privileged());
    }

    @Test
    void securityOptsSetNoNewPrivilegesAndSeccomp() {
        assertFalse(flags(List.of("no-new-privileges=false")).noNewPrivileges());
        assertFalse(flags(List.of("no-new-privileges:false")).noNewPrivileges());
        assertTrue(flags(List.of("no-new-privileges")).noNewPrivileges());
        assertTrue(flags(List.of("no-new-privileges=true")).noNewPrivileges());
        assertEquals(Seccomp.UNCONFINED, flags(List.of("seccomp=unconfined")).seccomp());
        Seccomp.Profile p = new Seccomp.Profile("/x.json", "{}");
        Security s = SecurityFlags.security(new SecurityFlags.Given(List.of(), List.of(), false,
                List.of("seccomp=/x.json"), Optional.of(p), List.of(), List.of(), List.of()), NetworkMode.NONE);
        assertEquals(p, s.seccomp());
        assertEquals(Optional.of("/x.json"), SecurityFlags.seccompFile(List.of("seccomp=/x.json")));
        assertEquals(Optional.empty(), SecurityFlags.seccompFile(List.of("seccomp=unconfined")));
    }

    @Test
    void badSecurityOptsAreOneLineEach() {
        assertTrue(refused(() -> flags(List.of("label=disable"))).contains("not supported"));
        assertTrue(refused(() -> flags(List.of("apparmor=unconfined"))).contains("not supported"));
        assertTrue(refused(() -> flags(List.of("nonsense"))).startsWith("unknown --security-opt"));
        assertTrue(refused(() -> flags(List.of("seccomp"))).contains("needs a value"));
        assertTrue(refused(() -> flags(List.of("no-new-privileges=maybe"))).contains("no-new-privileges=false"));
        assertTrue(refused(() -> flags(List.of("seccomp=/x.json"))).contains("not read"));
    }

    @Test
    void badCapabilityIsOneLine() {
        assertTrue(refused(() -> SecurityFlags.security(given(List.of("NET_NOPE"), List.of(), false, List.of(),
                List.of(), List.of(), List.of()), NetworkMode.NONE)).contains("unknown capability 'NET_NOPE'"));
    }

    @Test
    void groupAddIsNumeric() {
        assertEquals(List.of(10, 20), SecurityFlags.security(given(List.of(), List.of(), false, List.of(),
                List.of("10", "20"), List.of(), List.of()), NetworkMode.NONE).additionalGids());
        assertTrue(refused(() -> SecurityFlags.group("wheel")).contains("not a numeric group id"));
        assertTrue(refused(() -> SecurityFlags.group("-1")).contains("not a numeric group id"));
    }

    @Test
    void ulimitsUseDockersNames() {
        assertEquals(new Rlimit("RLIMIT_NOFILE", 1024, 2048), SecurityFlags.ulimit("nofile=1024:2048"));
        assertEquals(new Rlimit("RLIMIT_NPROC", 100, 100), SecurityFlags.ulimit("nproc=100"));
        assertEquals(new Rlimit("RLIMIT_CORE", -1, -1), SecurityFlags.ulimit("core=-1"));
        assertEquals(new Rlimit("RLIMIT_STACK", 8192, -1), SecurityFlags.ulimit("stack=8192:-1"));
        Security s = SecurityFlags.security(given(List.of(), List.of(), false, List.of(), List.of(),
                List.of("nofile=1:2", "nofile=3:4"), List.of()), NetworkMode.NONE);
        assertEquals(List.of(new Rlimit("RLIMIT_NOFILE", 3, 4)), s.rlimits(), "the last one of a name wins");
    }

    @Test
    void badUlimitsAreOneLineEach() {
        assertTrue(refused(() -> SecurityFlags.ulimit("bogus=1")).contains("unknown limit 'bogus'"));
        assertTrue(refused(() -> SecurityFlags.ulimit("nofile")).contains("needs a value"));
        assertTrue(refused(() -> SecurityFlags.ulimit("nofile=")).contains("needs a value"));
        assertTrue(refused(() -> SecurityFlags.ulimit("nofile=x")).contains("is not a number"));
        assertTrue(refused(() -> SecurityFlags.ulimit("nofile=1:2:3")).contains("SOFT[:HARD]"));
        assertTrue(refused(() -> SecurityFlags.ulimit("nofile=10:5")).contains("above the hard limit"));
        assertTrue(refused(() -> SecurityFlags.ulimit("nofile=-1:5")).contains("above the hard limit"));
        assertTrue(refused(() -> SecurityFlags.ulimit("nofile=-2")).contains("is not a number"));
    }

    @Test
    void onlyNamespacedSysctlsAreAllowed() {
        Security s = SecurityFlags.security(given(List.of(), List.of(), false, List.of(), List.of(), List.of(),
                List.of("kernel.shmmax=1", "fs.mqueue.msg_max=20", "net.ipv4.ip_forward=1", "kernel.sem=1 2 3 4")),
                NetworkMode.BRIDGE);
        assertEquals(Map.of("kernel.shmmax", "1", "fs.mqueue.msg_max", "20", "net.ipv4.ip_forward", "1",
                "kernel.sem", "1 2 3 4"), s.sysctls());
        assertTrue(refused(() -> SecurityFlags.checkSysctl("kernel.hostname", NetworkMode.NONE)).contains("not namespaced"));
        assertTrue(refused(() -> SecurityFlags.checkSysctl("vm.swappiness", NetworkMode.NONE)).contains("not namespaced"));
        assertTrue(refused(() -> SecurityFlags.checkSysctl("net.ipv4.ip_forward", NetworkMode.HOST)).contains("--network host"));
        assertTrue(refused(() -> SecurityFlags.checkSysctl("../../etc", NetworkMode.NONE)).contains("not a sysctl name"));
        assertTrue(refused(() -> SecurityFlags.security(given(List.of(), List.of(), false, List.of(), List.of(),
                List.of(), List.of("nokey")), NetworkMode.NONE)).contains("not KEY=VALUE"));
    }

    /** docker's rule for lists without ALL: (default - dropped) + added, in bounding, effective and permitted alike. */
    @Property
    void capAddThenDropIsASetDifference(@ForAll @Size(max = 6) List<Capability> add,
                                        @ForAll @Size(max = 6) List<Capability> drop,
                                        @ForAll boolean privileged) {
        Security s = SecurityFlags.security(given(add.stream().map(Capability::name).toList(),
                drop.stream().map(c -> "cap_" + c.name().toLowerCase(java.util.Locale.ROOT)).toList(), privileged,
                List.of(), List.of(), List.of(), List.of()), NetworkMode.NONE);
        EnumSet<Capability> expected = EnumSet.noneOf(Capability.class);
        expected.addAll(privileged ? Capabilities.ALL.bounding() : Capabilities.DEFAULT.bounding());
        drop.forEach(expected::remove);
        expected.addAll(add);
        assertEquals(expected, EnumSet.copyOf(withNone(s.capabilities().bounding())));
        assertEquals(s.capabilities().bounding(), s.capabilities().effective());
        assertEquals(s.capabilities().bounding(), s.capabilities().permitted());
        assertTrue(s.capabilities().inheritable().isEmpty() && s.capabilities().ambient().isEmpty());
    }

    private static java.util.Collection<Capability> withNone(java.util.Set<Capability> s) {
        return s.isEmpty() ? EnumSet.noneOf(Capability.class) : s;
    }
}

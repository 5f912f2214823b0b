package dev.quilt.domain.seccomp;

import dev.quilt.domain.Capabilities;
import dev.quilt.domain.Capability;
import dev.quilt.domain.seccomp.SeccompProfile.Action;
import dev.quilt.domain.seccomp.SeccompProfile.Condition;
import dev.quilt.domain.seccomp.SeccompProfile.Rule;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docker's resolution rules (moby setupSeccomp): archMap, includes and excludes, errnos. */
class SeccompProfileTest {
    private static final Platform X86 = Platform.of("x86_64", "6.18.0");
    private static final Platform ARM = Platform.of("aarch64", "6.1.0-13-arm64");

    private static SeccompProfile docker() {
        return SeccompProfileParser.parse("test", SeccompProfileParserTest.docker());
    }

    private static List<String> syscalls(SeccompFilter f) {
        return f.entries().stream().map(SeccompFilter.Entry::syscall).toList();
    }

    @Test
    void theNativeArchsEntryGivesTheArchitectures() {
        assertEquals(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
                docker().resolve(Capabilities.DEFAULT, X86).architectures());
        assertEquals(List.of("SCMP_ARCH_AARCH64"), docker().resolve(Capabilities.DEFAULT, ARM).architectures(),
                "no entry for the host: its own arch alone");
    }

    @Test
    void excludedCapabilitiesDropARule() {
        SeccompFilter plain = docker().resolve(Capabilities.DEFAULT, X86);
        assertEquals(List.of("clone", "ptrace", "clone3"), syscalls(plain));
        SeccompFilter admin = docker().resolve(Capabilities.DEFAULT.adjusted(List.of("SYS_ADMIN"), List.of()), X86);
        assertEquals(List.of("ptrace"), syscalls(admin), "clone's masked rule and clone3's ENOSYS are for those without it");
    }

    @Test
    void minKernelIsComparedWithTheHosts() {
        SeccompFilter old = docker().resolve(Capabilities.DEFAULT, Platform.of("x86_64", "4.4.0-generic"));
        assertFalse(syscalls(old).contains("ptrace"));
    }

    @Test
    void errnosAreExplicit() {
        SeccompFilter f = docker().resolve(Capabilities.DEFAULT, X86);
        assertEquals(1, f.defaultErrno());
        assertEquals(38, f.entries().get(2).errno());
        assertEquals(0, f.entries().get(0).errno(), "ALLOW has none");
        SeccompProfile noErrno = new SeccompProfile(Action.ERRNO, Optional.empty(), List.of(), List.of(), List.of(
                new Rule(List.of("swapon"), Action.ERRNO, Optional.empty(), List.of(), Condition.NONE, Condition.NONE)));
        SeccompFilter g = noErrno.resolve(Capabilities.DEFAULT, X86);
        assertEquals(SeccompProfile.EPERM, g.defaultErrno());
        assertEquals(SeccompProfile.EPERM, g.entries().get(0).errno());
    }

    @Test
    void archIncludesUseGosNames() {
        Rule armOnly = new Rule(List.of("cacheflush"), Action.ALLOW, Optional.empty(), List.of(),
                new Condition(List.of(), List.of("arm", "arm64"), Optional.empty()), Condition.NONE);
        SeccompProfile p = new SeccompProfile(Action.ERRNO, Optional.empty(), List.of(), List.of(), List.of(armOnly));
        assertTrue(p.resolve(Capabilities.DEFAULT, X86).entries().isEmpty());
        assertEquals(1, p.resolve(Capabilities.DEFAULT, ARM).entries().size());
    }

    /** A rule that needs capabilities is in the filter exactly when all of them are in the bounding set. */
    @Property
    void includesNeedEveryCapabilityAndExcludesAny(@ForAll Set<Capability> held, @ForAll Set<Capability> named) {
        List<String> names = named.stream().map(Capability::ociName).toList();
        Rule in = new Rule(List.of("mount"), Action.ALLOW, Optional.empty(), List.of(),
                new Condition(names, List.of(), Optional.empty()), Condition.NONE);
        Rule out = new Rule(List.of("umount2"), Action.ALLOW, Optional.empty(), List.of(), Condition.NONE,
                new Condition(names, List.of(), Optional.empty()));
        SeccompProfile p = new SeccompProfile(Action.ERRNO, Optional.of(1), List.of(), List.of(), List.of(in, out));
        Capabilities caps = Capabilities.of(held.isEmpty() ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(held));
        List<String> got = syscalls(p.resolve(caps, X86));
        assertEquals(held.containsAll(named), got.contains("mount"));
        assertEquals(named.stream().noneMatch(held::contains), got.contains("umount2"));
    }

    @Test
    void theCanonicalTextNamesEverythingTheProgramDependsOn() {
        SeccompFilter a = docker().resolve(Capabilities.DEFAULT, X86);
        SeccompFilter b = docker().resolve(Capabilities.ALL, X86);
        assertFalse(a.canonical().equals(b.canonical()));
        assertTrue(a.canonical().contains("rule clone ALLOW 0 0:MASKED_EQ:2114060288:0"), a.canonical());
    }
}

package dev.quilt.linux.seccomp;

import dev.quilt.domain.Capabilities;
import dev.quilt.domain.seccomp.Platform;
import dev.quilt.domain.seccomp.SeccompFilter;
import dev.quilt.domain.seccomp.SeccompProfile;
import dev.quilt.domain.seccomp.SeccompProfile.Action;
import dev.quilt.domain.seccomp.SeccompProfileParser;
import dev.quilt.linux.JsonCodec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The profile kept in the repo, resolved (no libseccomp, no root): what issue 13
 * requires of it holds, so a refreshed copy that loosened it fails here first.
 */
class DefaultProfileTest {
    private static final Platform X86_64 = Platform.of("x86_64", "6.18.0");
    /** Refused to a container with the default capabilities (issue 13's acceptance). */
    private static final List<String> REFUSED = List.of("bpf", "perf_event_open", "userfaultfd", "clock_settime",
            "swapoff", "swapon", "mount", "umount2", "unshare", "setns", "keyctl", "add_key", "request_key",
            "open_by_handle_at", "init_module", "finit_module", "kexec_load", "reboot", "syslog", "pivot_root",
            "fsopen", "move_mount", "open_tree");

    private static SeccompProfile profile() throws Exception {
        return SeccompProfileParser.parse("the default profile",
                JsonCodec.read(LinuxSeccompFilters.defaultProfileBytes()));
    }

    private static Set<String> allowed(SeccompFilter f) {
        return f.entries().stream().filter(e -> e.action() == Action.ALLOW && e.args().isEmpty())
                .map(SeccompFilter.Entry::syscall).collect(Collectors.toSet());
    }

    @Test
    void theDefaultCapabilitiesGetNoneOfTheDangerousCalls() throws Exception {
        SeccompFilter f = profile().resolve(Capabilities.DEFAULT, X86_64);
        assertEquals(Action.ERRNO, f.defaultAction());
        assertEquals(1, f.defaultErrno(), "EPERM for what is not listed");
        for (String s : REFUSED) {
            assertTrue(f.entries().stream().noneMatch(e -> e.syscall().equals(s) && e.action() == Action.ALLOW),
                    s + " must not be allowed with the default capabilities");
        }
        assertEquals(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"), f.architectures());
    }

    @Test
    void cloneIsAllowedOnlyWithoutNamespaceFlagsAndClone3IsEnosys() throws Exception {
        SeccompFilter f = profile().resolve(Capabilities.DEFAULT, X86_64);
        List<SeccompFilter.Entry> clone = f.entries().stream().filter(e -> e.syscall().equals("clone")).toList();
        assertEquals(1, clone.size());
        assertEquals(List.of(new SeccompProfile.Arg(0, 0x7E020000L, 0, SeccompProfile.Op.MASKED_EQ)),
                clone.get(0).args(), "CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET must be 0");
        assertTrue(f.entries().stream().anyMatch(e -> e.syscall().equals("clone3") && e.action() == Action.ERRNO
                && e.errno() == 38));
    }

    @Test
    void capabilitiesBringTheirCallsBack() throws Exception {
        Set<String> all = allowed(profile().resolve(Capabilities.ALL, X86_64));
        for (String s : List.of("bpf", "perf_event_open", "mount", "unshare", "setns", "clock_settime",
                "open_by_handle_at", "init_module", "reboot", "syslog", "ptrace", "clone", "clone3")) {
            assertTrue(all.contains(s), s + " with every capability");
        }
        Set<String> plain = allowed(profile().resolve(Capabilities.DEFAULT, X86_64));
        assertTrue(plain.containsAll(Set.of("read", "write", "openat", "execve", "arch_prctl", "ptrace")), plain.toString());
    }
}

package dev.quilt.linux.monitor;

import dev.quilt.domain.Capabilities;
import dev.quilt.domain.Capability;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Rlimit;
import dev.quilt.domain.Security;
import dev.quilt.linux.jni.Protocol;
import dev.quilt.ports.SeccompFilters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The confinement records of a CONFIG or EXEC message (proto.h tags 61-69,
 * applied by native/src/common/confine.c): the five capability sets as hex
 * masks of capability numbers, no_new_privs, the seccomp program's raw bytes
 * from {@link SeccompFilters}, rlimits ({@code RLIMIT_NOFILE soft hard}, -1
 * unlimited), the additional gids (always sent: none is {@code setgroups(0)}),
 * the umask, the sysctls, and the session keyring's name {@code _ses.<id>} (runc's).
 */
final class ConfineRecords {
    private ConfineRecords() {}

    static void put(MessageWriter w, ContainerId id, Security s, SeccompFilters filters) {
        put(w, id, s, filters, true);
    }

    /** {@code newKeyring} false: no keyring record, the process keeps its caller's session keyring (runc's {@code --no-new-keyring}). */
    static void put(MessageWriter w, ContainerId id, Security s, SeccompFilters filters, boolean newKeyring) {
        Capabilities c = s.capabilities();
        // --privileged and --cap-add ALL: every capability we have ourselves (podman's rule: its own
        // bounding set), so a host or sandbox that withholds one still runs them; a capability named
        // on its own that we do not have is refused here, naming it, rather than by capset
        long limit = s.privileged() || c.boundingIsAll() ? OWN_BOUNDING : -1L;
        long missing = (mask(c.bounding()) | mask(c.effective()) | mask(c.permitted()) | mask(c.inheritable())
                | mask(c.ambient())) & ~OWN_BOUNDING & limit;
        if (missing != 0) {
            String names = java.util.Arrays.stream(Capability.values()).filter(x -> (missing >> x.number() & 1) != 0)
                    .map(Capability::name).collect(Collectors.joining(", "));
            throw dev.quilt.domain.QuiltException.invalid("capability " + names + " is not in quilt's own bounding "
                    + "set, so no container can have it here: leave it out of --cap-add");
        }
        w.put(Protocol.T_CAPS, hex(mask(c.bounding()) & limit) + " " + hex(mask(c.effective()) & limit) + " "
                + hex(mask(c.permitted()) & limit) + " " + hex(mask(c.inheritable()) & limit) + " "
                + hex(mask(c.ambient()) & limit));
        w.put(Protocol.T_NO_NEW_PRIVS, s.noNewPrivileges() ? 1 : 0);
        filters.program(s.seccomp(), c).ifPresent(bpf -> w.put(Protocol.T_SECCOMP_BPF, bpf));
        for (Rlimit r : s.rlimits()) w.put(Protocol.T_RLIMIT, r.type() + " " + r.soft() + " " + r.hard());
        w.put(Protocol.T_GROUPS, s.additionalGids().stream().map(String::valueOf).collect(Collectors.joining(" ")));
        s.umask().ifPresent(u -> w.put(Protocol.T_UMASK, u));
        for (Map.Entry<String, String> e : new TreeMap<>(s.sysctls()).entrySet()) {
            w.put(Protocol.T_SYSCTL, e.getKey() + "=" + e.getValue());
        }
        if (newKeyring) w.put(Protocol.T_KEYRING, "_ses." + id.value());
    }

    /** Bit n for capability number n. */
    static long mask(Set<Capability> set) {
        long m = 0;
        for (Capability cap : set) m |= 1L << cap.number();
        return m;
    }

    private static String hex(long m) {
        return Long.toHexString(m);
    }

    /** Our own bounding set ({@code CapBnd} of /proc/self/status); every bit if it cannot be read. */
    private static final long OWN_BOUNDING = ownBounding();

    private static long ownBounding() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapBnd:")) return Long.parseUnsignedLong(line.substring(7).trim(), 16);
            }
        } catch (IOException | NumberFormatException e) {
            // below: the kernel refuses what we lack, one line
        }
        return -1L;
    }
}

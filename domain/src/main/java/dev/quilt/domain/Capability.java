package dev.quilt.domain;

import java.util.Locale;

/**
 * A Linux capability, numbered as in {@code linux/capability.h} (capabilities(7)).
 * OCI's {@code process.capabilities} and docker's {@code --cap-add} name them
 * {@code CAP_CHOWN} or {@code CHOWN}; both parse, in any case.
 */
public enum Capability {
    CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID, KILL, SETGID, SETUID, SETPCAP, LINUX_IMMUTABLE,
    NET_BIND_SERVICE, NET_BROADCAST, NET_ADMIN, NET_RAW, IPC_LOCK, IPC_OWNER, SYS_MODULE, SYS_RAWIO, SYS_CHROOT,
    SYS_PTRACE, SYS_PACCT, SYS_ADMIN, SYS_BOOT, SYS_NICE, SYS_RESOURCE, SYS_TIME, SYS_TTY_CONFIG, MKNOD, LEASE,
    AUDIT_WRITE, AUDIT_CONTROL, SETFCAP, MAC_OVERRIDE, MAC_ADMIN, SYSLOG, WAKE_ALARM, BLOCK_SUSPEND, AUDIT_READ,
    PERFMON, BPF, CHECKPOINT_RESTORE;

    /** The kernel's number: the bit in a capability mask. */
    public int number() {
        return ordinal();
    }

    /** The OCI name, {@code CAP_CHOWN}. */
    public String ociName() {
        return "CAP_" + name();
    }

    /** {@code CAP_NET_RAW}, {@code NET_RAW} or {@code net_raw}; anything else is one line naming it. */
    public static Capability parse(String s) {
        String n = s.toUpperCase(Locale.ROOT);
        if (n.startsWith("CAP_")) n = n.substring(4);
        try {
            return valueOf(n);
        } catch (IllegalArgumentException e) {
            throw QuiltException.invalid("unknown capability '" + s + "': see capabilities(7), e.g. NET_ADMIN");
        }
    }
}

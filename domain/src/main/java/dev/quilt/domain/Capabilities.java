package dev.quilt.domain;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The five capability sets of a container process (OCI {@code process.capabilities};
 * capabilities(7)). {@link #DEFAULT} is podman's default set (containers.conf
 * {@code default_capabilities}): no NET_RAW, MKNOD, AUDIT_WRITE or SYS_ADMIN.
 */
public record Capabilities(Set<Capability> bounding, Set<Capability> effective, Set<Capability> permitted,
                           Set<Capability> inheritable, Set<Capability> ambient) {
    /** podman's default: in bounding, effective and permitted; inheritable and ambient empty. */
    public static final Capabilities DEFAULT = of(EnumSet.of(Capability.CHOWN, Capability.DAC_OVERRIDE,
            Capability.FOWNER, Capability.FSETID, Capability.KILL, Capability.NET_BIND_SERVICE, Capability.SETFCAP,
            Capability.SETGID, Capability.SETPCAP, Capability.SETUID, Capability.SYS_CHROOT));

    /** Every capability the kernel knows, as {@code --privileged} gives. */
    public static final Capabilities ALL = of(EnumSet.allOf(Capability.class));

    public Capabilities {
        bounding = copy(bounding);
        effective = copy(effective);
        permitted = copy(permitted);
        inheritable = copy(inheritable);
        ambient = copy(ambient);
    }

    /** {@code set} in bounding, effective and permitted; inheritable and ambient empty (as docker and podman). */
    public static Capabilities of(Set<Capability> set) {
        return new Capabilities(set, set, set, Set.of(), Set.of());
    }

    /**
     * docker's {@code --cap-add}/{@code --cap-drop} on top of this (the bounding set), by its
     * rules (moby's {@code TweakCapabilities}): {@code ALL} in add is every capability but those
     * dropped; {@code ALL} in drop keeps only those added ({@code --cap-drop ALL --cap-add CHOWN});
     * otherwise this set without the dropped ones, plus the added ones.
     */
    public Capabilities adjusted(List<String> add, List<String> drop) {
        boolean addAll = add.stream().anyMatch(a -> a.equalsIgnoreCase("ALL"));
        boolean dropAll = drop.stream().anyMatch(d -> d.equalsIgnoreCase("ALL"));
        EnumSet<Capability> added = EnumSet.noneOf(Capability.class), dropped = EnumSet.noneOf(Capability.class);
        for (String a : add) if (!a.equalsIgnoreCase("ALL")) added.add(Capability.parse(a));
        for (String d : drop) if (!d.equalsIgnoreCase("ALL")) dropped.add(Capability.parse(d));
        EnumSet<Capability> s;
        if (addAll) {
            s = EnumSet.allOf(Capability.class);
            s.removeAll(dropped);
        } else if (dropAll) {
            s = added;
        } else {
            s = bounding.isEmpty() ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(bounding);
            s.removeAll(dropped);
            s.addAll(added);
        }
        return of(s);
    }

    /** Whether every capability the kernel knows is in the bounding set ({@code --cap-add ALL}, {@code --privileged}). */
    public boolean boundingIsAll() {
        return bounding.size() == Capability.values().length;
    }

    private static Set<Capability> copy(Set<Capability> s) {
        return s.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(s));
    }
}

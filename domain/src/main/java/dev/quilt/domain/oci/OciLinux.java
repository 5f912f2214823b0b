package dev.quilt.domain.oci;

import dev.quilt.domain.QuiltException;
import dev.quilt.domain.oci.OciMount.IdMapping;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * config-linux.md: {@code namespaces} (each with an optional {@code path} to join),
 * {@code uidMappings}/{@code gidMappings} of a user namespace, {@code devices} to make,
 * {@code cgroupsPath}, {@code resources} (device rules, memory, cpu, pids, blockIO; the
 * rest of the section is not read), {@code sysctl}, {@code seccomp},
 * {@code maskedPaths}, {@code readonlyPaths}, {@code rootfsPropagation} and
 * {@code mountLabel}. {@code intelRdt}, {@code personality}, {@code timeOffsets} and
 * the like are ignored as unknown fields.
 */
public record OciLinux(List<NamespaceEntry> namespaces, List<IdMapping> uidMappings, List<IdMapping> gidMappings,
                       List<Device> devices, Optional<String> cgroupsPath, Optional<Resources> resources,
                       Map<String, String> sysctl, Optional<OciSeccomp> seccomp, List<String> maskedPaths,
                       List<String> readonlyPaths, Optional<String> rootfsPropagation, Optional<String> mountLabel) {
    /** config-linux.md "Mount Propagation": the values {@code rootfsPropagation} may take. */
    public static final List<String> PROPAGATIONS = List.of("shared", "slave", "private", "unbindable", "rshared",
            "rslave", "rprivate", "runbindable");

    public OciLinux {
        namespaces = List.copyOf(namespaces);
        uidMappings = List.copyOf(uidMappings);
        gidMappings = List.copyOf(gidMappings);
        devices = List.copyOf(devices);
        sysctl = Map.copyOf(sysctl);
        maskedPaths = List.copyOf(maskedPaths);
        readonlyPaths = List.copyOf(readonlyPaths);
        rootfsPropagation.ifPresent(p -> {
            if (!PROPAGATIONS.contains(p)) {
                throw QuiltException.invalid("rootfsPropagation '" + p + "' is not one of " + String.join(", ", PROPAGATIONS));
            }
        });
        long distinct = namespaces.stream().map(NamespaceEntry::type).distinct().count();
        if (distinct != namespaces.size()) throw QuiltException.invalid("a namespace type is listed twice");
    }

    /** config-linux.md "Namespaces": the kinds, by their spec names. */
    public enum NamespaceType {
        PID, NETWORK, MOUNT, IPC, UTS, USER, CGROUP, TIME;

        /** The spec's name, {@code network}. */
        public String specName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** By the spec's name; anything else is one line listing the names. */
        public static NamespaceType parse(String s) {
            for (NamespaceType t : values()) {
                if (t.specName().equals(s)) return t;
            }
            throw QuiltException.invalid("'" + s + "' is not a namespace type (pid, network, mount, ipc, uts, user, cgroup, time)");
        }
    }

    /** One namespace: made new, or joined at {@code path} (e.g. {@code /proc/1234/ns/net}). */
    public record NamespaceEntry(NamespaceType type, Optional<String> path) {
        public NamespaceEntry {
            path.ifPresent(p -> Ids.absolute("namespace path", p));
        }
    }

    /**
     * config-linux.md "Devices": a node to make at {@code path}; {@code type} {@code c},
     * {@code b}, {@code u} or {@code p}; {@code major}/{@code minor} (not for {@code p});
     * {@code fileMode} the permission bits; {@code uid}/{@code gid} its owner.
     */
    public record Device(String path, char type, Optional<Long> major, Optional<Long> minor,
                         Optional<Integer> fileMode, Optional<Long> uid, Optional<Long> gid) {
        public Device {
            Ids.absolute("device path", path);
            if ("cbup".indexOf(type) < 0) throw QuiltException.invalid("device type '" + type + "' is not c, b, u or p");
            if (type != 'p' && (major.isEmpty() || minor.isEmpty())) {
                throw QuiltException.invalid("a device of type " + type + " needs a major and a minor number");
            }
            uid.ifPresent(u -> Ids.requireU32("uid", u));
            gid.ifPresent(g -> Ids.requireU32("gid", g));
        }
    }

    /**
     * config-linux.md "Control groups", the parts Quilt reads: {@code devices} (the
     * allow/deny list, in order), {@code memory}, {@code cpu}, {@code pids} and
     * {@code blockIO}'s weights.
     */
    public record Resources(List<DeviceRule> devices, Optional<Memory> memory, Optional<Cpu> cpu,
                            Optional<Long> pidsLimit, Optional<BlockIO> blockIO) {
        public Resources {
            devices = List.copyOf(devices);
        }
    }

    /**
     * config-linux.md "Allowed Device List": {@code allow}; {@code type} {@code a}
     * (all, the default), {@code c} or {@code b}; {@code major}/{@code minor} (absent: any);
     * {@code access} from {@code rwm} (absent: all).
     */
    public record DeviceRule(boolean allow, Optional<Character> type, Optional<Long> major, Optional<Long> minor,
                             Optional<String> access) {
        public DeviceRule {
            type.ifPresent(t -> {
                if ("acb".indexOf(t) < 0) throw QuiltException.invalid("device rule type '" + t + "' is not a, c or b");
            });
            access.ifPresent(a -> {
                if (!a.matches("[rwm]*")) throw QuiltException.invalid("access '" + a + "' is not made of r, w and m");
            });
        }

        /** Whether the rule applies to device {@code t major:minor}. */
        public boolean matches(char t, long maj, long min) {
            return (type.isEmpty() || type.get() == 'a' || type.get() == t)
                    && major.map(m -> m == -1 || m == maj).orElse(true)
                    && minor.map(m -> m == -1 || m == min).orElse(true);
        }

        /** The access it grants or denies; absent means all of {@code rwm}. */
        public String accessOrAll() {
            return access.filter(a -> !a.isEmpty()).orElse("rwm");
        }
    }

    /** config-linux.md "Memory", in bytes; {@code -1} is unlimited. */
    public record Memory(Optional<Long> limit, Optional<Long> reservation, Optional<Long> swap, Optional<Long> kernel,
                         Optional<Long> kernelTCP, Optional<Long> swappiness, Optional<Boolean> disableOOMKiller) {
        public Memory {
            swappiness.ifPresent(s -> {
                if (s < 0 || s > 100) throw QuiltException.invalid("swappiness " + s + " is not between 0 and 100");
            });
        }
    }

    /**
     * config-linux.md "CPU": {@code shares} (relative weight), {@code quota} microseconds
     * per {@code period} microseconds ({@code -1}: no limit), {@code cpus}/{@code mems}
     * as cpuset lists ({@code 0-3,5}).
     */
    public record Cpu(Optional<Long> shares, Optional<Long> quota, Optional<Long> period, Optional<String> cpus,
                      Optional<String> mems) {}

    /** config-linux.md "Block IO": the weights (10 to 1000; 0 means unset). */
    public record BlockIO(Optional<Integer> weight, Optional<Integer> leafWeight) {
        public BlockIO {
            weight.ifPresent(w -> check("weight", w));
            leafWeight.ifPresent(w -> check("leafWeight", w));
        }

        private static void check(String what, int w) {
            if (w != 0 && (w < 10 || w > 1000)) throw QuiltException.invalid(what + " " + w + " is not between 10 and 1000");
        }
    }
}

package dev.quilt.domain.oci;

import dev.quilt.domain.Capabilities;
import dev.quilt.domain.Capability;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.Cpus;
import dev.quilt.domain.DeviceCgroupRule;
import dev.quilt.domain.DeviceSpec;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.MountSpec;
import dev.quilt.domain.Namespace;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.ProcessSpec;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Rlimit;
import dev.quilt.domain.Seccomp;
import dev.quilt.domain.Security;
import dev.quilt.domain.UserNamespace;
import dev.quilt.domain.User;
import dev.quilt.domain.oci.OciLinux.DeviceRule;
import dev.quilt.domain.oci.OciLinux.NamespaceEntry;
import dev.quilt.domain.oci.OciLinux.NamespaceType;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Between the OCI model and the engine's own spec. {@link #toEngine} reads a
 * {@link RuntimeSpec} into the pieces a {@link ContainerSpec} is made of; a field the
 * engine cannot honour yet (a mount or user namespace {@code path} to join, id
 * mappings without a user namespace, the time namespace, cpusets…) is one line naming it, never dropped.
 * {@link #toRuntimeSpec} writes what {@code quilt run} would hand a runtime.
 */
public final class OciConversion {
    /** Destination and type of the mounts the engine makes itself (runc's and podman's defaults). */
    public static final Map<String, String> BUILT_IN_MOUNTS = builtIns();

    private OciConversion() {}

    private static Map<String, String> builtIns() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("/proc", "proc");
        m.put("/dev", "tmpfs");
        m.put("/dev/pts", "devpts");
        m.put("/dev/shm", "tmpfs");
        m.put("/dev/mqueue", "mqueue");
        m.put("/sys", "sysfs");
        m.put("/sys/fs/cgroup", "cgroup");
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * What a {@link RuntimeSpec} asks of the engine: the process; the hostname if any;
     * the namespaces it makes (a {@code network} one means a network of its own with only
     * {@code lo}, as runc gives: {@link NetworkMode#NONE}; none means the host's);
     * {@code root} as given (relative paths are the bundle's); the cgroup limits; the
     * confinement; {@code cgroupsPath} and {@code oomScoreAdj} as given, for the caller to apply;
     * {@code namespacePaths} the namespaces to join rather than make ({@code linux.namespaces[].path}: ipc,
     * uts, network, pid, cgroup; never in {@code namespaces}, and a network joined is {@link NetworkMode#HOST}
     * to the engine: no namespace, loopback or bridge of its own).
     */
    public record EngineSpec(ProcessSpec process, Optional<Hostname> hostname, Set<Namespace> namespaces,
                             NetworkMode network, RuntimeSpec.Root root, Resources resources, Security security,
                             Optional<String> cgroupsPath, Optional<Integer> oomScoreAdj,
                             Map<Namespace, String> namespacePaths) {
        public EngineSpec {
            namespaces = Set.copyOf(namespaces);
            namespacePaths = Map.copyOf(namespacePaths);
        }
    }

    /**
     * The engine's pieces of {@code spec}; {@code origin} ({@code config.json}) starts
     * each error line, which then names the field by its JSON path.
     */
    public static EngineSpec toEngine(RuntimeSpec spec, String origin) {
        OciProcess p = spec.process().orElseThrow(() -> bad(origin, "process", "is missing: the engine needs a process to run"));
        RuntimeSpec.Root root = spec.root().orElseThrow(() -> bad(origin, "root", "is missing: give root.path"));
        spec.domainname().filter(d -> !d.isEmpty()).ifPresent(d -> {
            throw bad(origin, "domainname", "setting a domain name is not supported yet; leave it out");
        });

        User user = new User(int32(origin, "process.user.uid", p.user().uid()), int32(origin, "process.user.gid", p.user().gid()));
        ProcessSpec process = at(origin, "process", () -> new ProcessSpec(p.args(), p.env(), p.cwd(), user, p.terminal()));
        List<Integer> gids = new ArrayList<>();
        for (int i = 0; i < p.user().additionalGids().size(); i++) {
            gids.add(int32(origin, "process.user.additionalGids[" + i + "]", p.user().additionalGids().get(i)));
        }
        Capabilities caps = p.capabilities().map(c -> new Capabilities(c.bounding(), c.effective(), c.permitted(),
                c.inheritable(), c.ambient())).orElse(new Capabilities(Set.of(), Set.of(), Set.of(), Set.of(), Set.of()));

        Optional<Hostname> hostname = spec.hostname().filter(h -> !h.isEmpty())
                .map(h -> at(origin, "hostname", () -> new Hostname(h)));

        List<MountSpec> mounts = new ArrayList<>();
        Set<String> builtInsSeen = new java.util.HashSet<>();
        for (int i = 0; i < spec.mounts().size(); i++) {
            OciMount m = spec.mounts().get(i);
            String path = "mounts[" + i + "]";
            if (!m.uidMappings().isEmpty() || !m.gidMappings().isEmpty()) {
                throw bad(origin, path + (m.uidMappings().isEmpty() ? ".gidMappings" : ".uidMappings"),
                        "idmapped mounts are not supported yet; leave the mappings out");
            }
            String dest = m.destination().startsWith("/") ? m.destination() : "/" + m.destination();
            String type = m.type().filter(t -> !t.isEmpty()).orElseGet(() -> {
                if (m.options().contains("bind") || m.options().contains("rbind")) return "bind";
                throw bad(origin, path + ".type", "is missing: give the filesystem type, or bind");
            });
            // the first of each standard mount is the engine's own; a later one at the same place is the user's
            if (type.equals(BUILT_IN_MOUNTS.get(dest)) && builtInsSeen.add(dest)) continue;
            String source = m.source().orElseGet(() -> {
                if (type.equals("bind")) throw bad(origin, path + ".source", "is missing: a bind mount needs a host path");
                return type;
            });
            mounts.add(at(origin, path, () -> new MountSpec(dest, type, source, m.options())));
        }

        OciLinux linux = spec.linux().orElse(new OciLinux(List.of(), List.of(), List.of(), List.of(), Optional.empty(),
                Optional.empty(), Map.of(), Optional.empty(), List.of(), List.of(), Optional.empty(), Optional.empty()));
        EnumSet<Namespace> namespaces = EnumSet.noneOf(Namespace.class);
        Map<Namespace, String> joined = new java.util.EnumMap<>(Namespace.class);
        for (int i = 0; i < linux.namespaces().size(); i++) {
            NamespaceEntry n = linux.namespaces().get(i);
            String path = "linux.namespaces[" + i + "]";
            if (n.path().isPresent()) {
                joined.put(joinable(origin, path, n), n.path().get());
                continue;
            }
            namespaces.add(switch (n.type()) {
                case PID -> Namespace.PID;
                case NETWORK -> Namespace.NETWORK;
                case MOUNT -> Namespace.MOUNT;
                case IPC -> Namespace.IPC;
                case UTS -> Namespace.UTS;
                case CGROUP -> Namespace.CGROUP;
                case USER -> Namespace.USER;
                case TIME -> throw bad(origin, path + ".type",
                        "a " + n.type().specName() + " namespace is not supported yet; leave it out");
            });
        }
        UserNamespace userns = userNamespace(linux, namespaces.contains(Namespace.USER), origin);
        if (!namespaces.contains(Namespace.MOUNT)) {
            throw bad(origin, "linux.namespaces", "a container needs its own mount namespace: add {\"type\": \"mount\"}");
        }
        if (!joined.isEmpty() && namespaces.contains(Namespace.USER)) {
            throw bad(origin, "linux.namespaces", "joining namespaces by path with a user namespace of its own is not"
                    + " supported yet; leave out the user namespace or the paths");
        }
        // runc: "unable to set hostname without a private UTS namespace"; one joined by path is private enough
        if (hostname.isPresent() && !namespaces.contains(Namespace.UTS) && !joined.containsKey(Namespace.UTS)) {
            throw bad(origin, "hostname", "needs a uts namespace of its own: add {\"type\": \"uts\"} to linux.namespaces");
        }
        linux.rootfsPropagation().filter(r -> r.contains("shared") || r.contains("unbindable")).ifPresent(r -> {
            throw bad(origin, "linux.rootfsPropagation", "'" + r + "' is not supported yet; use rprivate or rslave");
        });

        Resources resources = linux.resources().map(r -> resources(origin, r)).orElse(Resources.UNLIMITED);
        List<DeviceRule> rules = linux.resources().map(OciLinux.Resources::devices).orElse(List.of());
        List<DeviceCgroupRule> policy = devicePolicy(origin, rules);
        List<DeviceSpec> devices = new ArrayList<>();
        for (int i = 0; i < linux.devices().size(); i++) {
            OciLinux.Device d = linux.devices().get(i);
            String path = "linux.devices[" + i + "]";
            if (d.type() == 'p') throw bad(origin, path + ".type", "fifo devices are not supported yet; use c or b");
            char type = d.type() == 'u' ? 'c' : d.type();
            long maj = d.major().orElseThrow();
            long min = d.minor().orElseThrow();
            String access = access(rules, type, maj, min);
            if (access.isEmpty()) {
                throw bad(origin, path, "no rule in linux.resources.devices allows " + type + " " + maj + ":" + min
                        + "; add {\"allow\": true, \"type\": \"" + type + "\", \"major\": " + maj + ", \"minor\": " + min
                        + ", \"access\": \"rwm\"}");
            }
            int uid = int32(origin, path + ".uid", d.uid().orElse(0L));
            int gid = int32(origin, path + ".gid", d.gid().orElse(0L));
            devices.add(at(origin, path, () -> new DeviceSpec(d.path(), type, maj, min, d.fileMode().orElse(0666) & 07777,
                    uid, gid, access)));
        }
        List<DeviceCgroupRule> ownPolicy = enginesOwn(policy, devices) ? List.of() : policy;

        Seccomp seccomp = linux.seccomp().<Seccomp>map(s -> new Seccomp.Profile(origin, OciSeccompJson.render(s)))
                .orElse(Seccomp.UNCONFINED);
        Security security = at(origin, "process", () -> new Security(caps, p.noNewPrivileges(), seccomp, p.rlimits(),
                gids, p.user().umask(), linux.sysctl(), mounts, devices, linux.maskedPaths(), linux.readonlyPaths(),
                root.readonly(), false, userns, ownPolicy));
        NetworkMode network = namespaces.contains(Namespace.NETWORK) ? NetworkMode.NONE : NetworkMode.HOST;
        return new EngineSpec(process, hostname, namespaces, network, root, resources, security, linux.cgroupsPath(),
                p.oomScoreAdj(), joined);
    }

    /**
     * The type of a namespace joined by {@code path} (setns(2); {@link NamespaceEntry} refuses a relative one),
     * or one line for the types the engine does not join: mount (the init builds its root in a mount namespace of
     * its own) and user (the monitor would have to enter it before the others, as runc's nsexec does).
     */
    private static Namespace joinable(String origin, String at, NamespaceEntry n) {
        return switch (n.type()) {
            case PID -> Namespace.PID;
            case NETWORK -> Namespace.NETWORK;
            case IPC -> Namespace.IPC;
            case UTS -> Namespace.UTS;
            case CGROUP -> Namespace.CGROUP;
            case MOUNT, USER, TIME -> throw bad(origin, at + ".path", "joining a " + n.type().specName()
                    + " namespace by path is not supported; leave out path to get a new one");
        };
    }

    private static Resources resources(String origin, OciLinux.Resources r) {
        String at = "linux.resources.";
        r.blockIO().filter(b -> b.weight().orElse(0) != 0 || b.leafWeight().orElse(0) != 0).ifPresent(b -> {
            throw bad(origin, at + "blockIO", "block-io weights are not supported yet; leave them out");
        });
        Optional<Long> memory = Optional.empty();
        Optional<Long> swap = Optional.empty();
        if (r.memory().isPresent()) {
            OciLinux.Memory m = r.memory().get();
            if (m.reservation().filter(v -> v > 0).isPresent()) {
                throw bad(origin, at + "memory.reservation", "is not supported yet; leave it out");
            }
            if (m.swappiness().isPresent()) throw bad(origin, at + "memory.swappiness", "is not supported yet; leave it out");
            if (m.disableOOMKiller().orElse(false)) {
                throw bad(origin, at + "memory.disableOOMKiller", "is not supported yet; leave it out");
            }
            memory = m.limit().filter(v -> v > 0);
            swap = m.swap().filter(v -> v > 0 || v == -1);
            if (memory.isEmpty()) swap = Optional.empty();
        }
        Optional<Cpus> cpus = Optional.empty();
        Optional<Integer> shares = Optional.empty();
        if (r.cpu().isPresent()) {
            OciLinux.Cpu c = r.cpu().get();
            if (c.cpus().filter(s -> !s.isEmpty()).isPresent()) {
                throw bad(origin, at + "cpu.cpus", "cpusets are not supported yet; use cpu.quota and cpu.period");
            }
            if (c.mems().filter(s -> !s.isEmpty()).isPresent()) {
                throw bad(origin, at + "cpu.mems", "cpusets are not supported yet; leave it out");
            }
            if (c.quota().filter(q -> q > 0).isPresent()) {
                long period = c.period().filter(v -> v > 0).orElse(Cpus.PERIOD);
                cpus = Optional.of(at(origin, at + "cpu", () -> new Cpus(c.quota().get(), period)));
            }
            if (c.shares().filter(s -> s != 0).isPresent()) {
                long s = c.shares().get();
                if (s < Resources.MIN_SHARES || s > Resources.MAX_SHARES) {
                    throw bad(origin, at + "cpu.shares", s + " is not between " + Resources.MIN_SHARES + " and "
                            + Resources.MAX_SHARES);
                }
                shares = Optional.of((int) s);
            }
        }
        Optional<Long> pids = r.pidsLimit().filter(v -> v > 0);
        Optional<Long> mem = memory;
        Optional<Long> sw = swap;
        Optional<Cpus> cp = cpus;
        Optional<Integer> sh = shares;
        return at(origin, "linux.resources", () -> new Resources(mem, sw, cp, sh, pids));
    }

    /**
     * {@code linux.resources.devices} as the devices cgroup takes it, in order, deny and allow: runc applies the
     * whole list whether or not a node is made (containerd's and the CRI's specs allow {@code /dev/console},
     * {@code /dev/net/tun}, {@code c *:* m}, {@code c 136:* rwm} without listing them). A type left out is
     * {@code a}; numbers left out or {@code -1} are any; access left out or empty is {@code rwm} (the spec's
     * defaults). The v1 cgroup knows {@code a} only as every device with every access, so a narrower {@code a}
     * rule becomes the same rule for {@code c} and for {@code b}.
     */
    private static List<DeviceCgroupRule> devicePolicy(String origin, List<DeviceRule> rules) {
        List<DeviceCgroupRule> out = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            DeviceRule r = rules.get(i);
            String path = "linux.resources.devices[" + i + "]";
            long maj = r.major().orElse(DeviceCgroupRule.ANY);
            long min = r.minor().orElse(DeviceCgroupRule.ANY);
            if (maj < DeviceCgroupRule.ANY || min < DeviceCgroupRule.ANY) {
                throw bad(origin, path, maj + ":" + min + " is not a device number; use -1 or leave it out for any");
            }
            String given = r.accessOrAll();
            StringBuilder access = new StringBuilder();
            for (char c : "rwm".toCharArray()) if (given.indexOf(c) >= 0) access.append(c);
            char type = r.type().orElse('a');
            boolean all = maj == DeviceCgroupRule.ANY && min == DeviceCgroupRule.ANY && access.toString().equals("rwm");
            for (char t : type != 'a' ? List.of(type) : all ? List.of('a') : List.of('c', 'b')) {
                out.add(at(origin, path, () -> new DeviceCgroupRule(r.allow(), t, maj, min, access.toString())));
            }
        }
        return out;
    }

    /**
     * Whether {@code policy} is what the engine's own policy writes anyway: everything denied, then each device
     * allowed with its access, in order ({@link #toRuntimeSpec}'s form), so {@code quilt run}'s spec comes back as
     * it went out. The devices cgroup ends the same either way: runc's default allowance is added to both.
     */
    private static boolean enginesOwn(List<DeviceCgroupRule> policy, List<DeviceSpec> devices) {
        if (policy.size() != devices.size() + 1) return false;
        if (!policy.get(0).equals(new DeviceCgroupRule(false, 'a', DeviceCgroupRule.ANY, DeviceCgroupRule.ANY, "rwm"))) {
            return false;
        }
        for (int i = 0; i < devices.size(); i++) {
            DeviceSpec d = devices.get(i);
            if (!policy.get(i + 1).equals(new DeviceCgroupRule(true, d.type(), d.major(), d.minor(), d.access()))) {
                return false;
            }
        }
        return true;
    }

    /** The access the rules leave {@code type major:minor}: the last matching rule decides each of r, w, m. */
    private static String access(List<DeviceRule> rules, char type, long maj, long min) {
        boolean[] allowed = new boolean[3];
        for (DeviceRule r : rules) {
            if (!r.matches(type, maj, min)) continue;
            String a = r.accessOrAll();
            for (int i = 0; i < 3; i++) {
                if (a.indexOf("rwm".charAt(i)) >= 0) allowed[i] = r.allow();
            }
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 3; i++) if (allowed[i]) b.append("rwm".charAt(i));
        return b.toString();
    }

    private static int int32(String origin, String path, long v) {
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw bad(origin, path, v + " is above " + Integer.MAX_VALUE + ", which the engine does not support yet");
        }
        return (int) v;
    }

    /** linux.uidMappings/gidMappings: both, with a user namespace of its own, or neither. */
    private static UserNamespace userNamespace(OciLinux linux, boolean own, String origin) {
        if (!own) {
            if (!linux.uidMappings().isEmpty() || !linux.gidMappings().isEmpty()) {
                throw bad(origin, linux.uidMappings().isEmpty() ? "linux.gidMappings" : "linux.uidMappings",
                        "mappings need a user namespace of their own: add {\"type\": \"user\"} to linux.namespaces");
            }
            return UserNamespace.HOST;
        }
        for (String key : List.of("linux.uidMappings", "linux.gidMappings")) {
            if ((key.startsWith("linux.uid") ? linux.uidMappings() : linux.gidMappings()).isEmpty()) {
                throw bad(origin, key, "a user namespace needs uidMappings and gidMappings: give both, e.g. "
                        + "[{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]");
            }
        }
        List<UserNamespace.IdMapping> uids = at(origin, "linux.uidMappings", () -> linux.uidMappings().stream()
                .map(m -> new UserNamespace.IdMapping(m.containerID(), m.hostID(), m.size())).toList());
        List<UserNamespace.IdMapping> gids = at(origin, "linux.gidMappings", () -> linux.gidMappings().stream()
                .map(m -> new UserNamespace.IdMapping(m.containerID(), m.hostID(), m.size())).toList());
        return at(origin, "linux.uidMappings", () -> new UserNamespace.Mapped(uids, gids));
    }

    private static QuiltException bad(String origin, String path, String what) {
        return QuiltException.invalid(origin + ": " + path + ": " + what);
    }

    private static <T> T at(String origin, String path, java.util.function.Supplier<T> make) {
        try {
            return make.get();
        } catch (QuiltException e) {
            throw QuiltException.invalid(origin + ": " + path + ": " + e.getMessage());
        }
    }

    /**
     * What {@code quilt run} hands a runtime for {@code spec}: the standard mounts (runc's
     * and podman's), the extra ones, the namespaces, limits and confinement; {@code root.path}
     * is {@code rootfs}, the image digest is the annotation {@code dev.quilt.image}.
     * {@code seccomp} gives the OCI form of the container's filter (the default
     * profile, or a parsed profile file); empty leaves {@code linux.seccomp} out.
     */
    public static RuntimeSpec toRuntimeSpec(ContainerSpec spec, Function<Seccomp, Optional<OciSeccomp>> seccomp) {
        Security s = spec.security();
        ProcessSpec p = spec.process();
        Capabilities c = s.capabilities();
        OciProcess process = new OciProcess(p.terminal(), Optional.empty(),
                new OciProcess.User(p.user().uid(), p.user().gid(), s.umask(),
                        s.additionalGids().stream().map(Integer::longValue).toList()),
                p.args(), p.env(), p.cwd(),
                Optional.of(new OciProcess.CapabilitySets(c.bounding(), c.effective(), c.inheritable(), c.permitted(),
                        c.ambient())),
                lastOfEachType(s.rlimits()), s.noNewPrivileges(), Optional.empty(), Optional.empty(), Optional.empty());
        List<OciMount> mounts = new ArrayList<>(standardMounts(spec.namespaces().contains(Namespace.NETWORK),
                s.privileged()));
        for (MountSpec m : s.mounts()) mounts.add(new OciMount(m.destination(), m.type(), m.source(), m.options()));

        List<NamespaceEntry> namespaces = new ArrayList<>();
        for (Namespace n : EnumSet.copyOf(spec.namespaces())) {
            namespaces.add(new NamespaceEntry(NamespaceType.parse(n.ociName()), Optional.empty()));
        }
        List<OciLinux.Device> devices = new ArrayList<>();
        List<DeviceRule> rules = new ArrayList<>();
        if (s.deviceRules().isEmpty()) {
            rules.add(new DeviceRule(false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.of("rwm")));
        }
        for (DeviceCgroupRule r : s.deviceRules()) {
            rules.add(new DeviceRule(r.allow(), Optional.of(r.type()), Optional.of(r.major()), Optional.of(r.minor()),
                    Optional.of(r.access())));
        }
        for (DeviceSpec d : s.devices()) {
            devices.add(new OciLinux.Device(d.path(), d.type(), Optional.of(d.major()), Optional.of(d.minor()),
                    Optional.of(d.fileMode()), Optional.of((long) d.uid()), Optional.of((long) d.gid())));
            if (s.deviceRules().isEmpty()) {
                rules.add(new DeviceRule(true, Optional.of(d.type()), Optional.of(d.major()), Optional.of(d.minor()),
                        Optional.of(d.access())));
            }
        }
        Resources r = spec.resources();
        Optional<OciLinux.Memory> memory = r.memory().map(m -> new OciLinux.Memory(Optional.of(m), Optional.empty(),
                r.memorySwap(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
        Optional<OciLinux.Cpu> cpu = r.cpus().isEmpty() && r.cpuShares().isEmpty() ? Optional.empty()
                : Optional.of(new OciLinux.Cpu(r.cpuShares().map(Integer::longValue),
                        r.cpus().map(Cpus::quotaMicros), r.cpus().map(Cpus::periodMicros), Optional.empty(),
                        Optional.empty()));
        OciLinux.Resources resources = new OciLinux.Resources(rules, memory, cpu, r.pids(), Optional.empty());
        List<OciMount.IdMapping> uidMaps = List.of(), gidMaps = List.of();
        if (s.userns() instanceof UserNamespace.Mapped m) {
            uidMaps = m.uids().stream().map(x -> new OciMount.IdMapping(x.containerId(), x.hostId(), x.size())).toList();
            gidMaps = m.gids().stream().map(x -> new OciMount.IdMapping(x.containerId(), x.hostId(), x.size())).toList();
        }
        OciLinux linux = new OciLinux(namespaces, uidMaps, gidMaps, devices, Optional.empty(),
                Optional.of(resources), s.sysctls(), seccomp.apply(s.seccomp()), s.maskedPaths(), s.readonlyPaths(),
                Optional.empty(), Optional.empty());
        return new RuntimeSpec(RuntimeSpec.VERSION, Optional.of(process),
                Optional.of(new RuntimeSpec.Root(spec.root() instanceof dev.quilt.domain.RootFs.Directory d ? d.path() : "rootfs",
                        s.readonlyRootfs())), Optional.of(spec.hostname().value()),
                Optional.empty(), mounts, Optional.of(linux), Optional.empty(),
                spec.root() instanceof dev.quilt.domain.RootFs.Image i ? Map.of("dev.quilt.image", i.digest().value())
                        : Map.of());
    }

    /** One limit per resource, as setrlimit(2) leaves it: the last given for a type wins, in the first one's place. */
    private static List<Rlimit> lastOfEachType(List<Rlimit> rlimits) {
        Map<String, Rlimit> byType = new LinkedHashMap<>();
        for (Rlimit r : rlimits) byType.put(r.type(), r);
        return List.copyOf(byType.values());
    }

    /** runc's and podman's standard mounts; /sys and /sys/fs/cgroup read-only unless privileged. */
    private static List<OciMount> standardMounts(boolean ownNetwork, boolean privileged) {
        List<String> sysOpts = new ArrayList<>(List.of("nosuid", "noexec", "nodev"));
        if (!privileged || !ownNetwork) sysOpts.add("ro");
        List<String> cgOpts = new ArrayList<>(List.of("nosuid", "noexec", "nodev", "relatime"));
        if (!privileged) cgOpts.add("ro");
        return List.of(
                new OciMount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")),
                new OciMount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
                new OciMount("/dev/pts", "devpts", "devpts",
                        List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")),
                new OciMount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")),
                new OciMount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")),
                new OciMount("/sys", "sysfs", "sysfs", sysOpts),
                new OciMount("/sys/fs/cgroup", "cgroup", "cgroup", cgOpts));
    }
}

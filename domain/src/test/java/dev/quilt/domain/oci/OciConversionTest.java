package dev.quilt.domain.oci;

import dev.quilt.domain.Capabilities;
import dev.quilt.domain.Capability;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.Cpus;
import dev.quilt.domain.DeviceCgroupRule;
import dev.quilt.domain.DeviceSpec;
import dev.quilt.domain.Digest;
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
import dev.quilt.domain.User;
import dev.quilt.domain.oci.OciConversion.EngineSpec;
import dev.quilt.domain.oci.OciLinux.DeviceRule;
import dev.quilt.domain.oci.OciLinux.NamespaceEntry;
import dev.quilt.domain.oci.OciLinux.NamespaceType;
import dev.quilt.domain.oci.OciMount.IdMapping;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OciConversionTest {
    static final OciProcess PROCESS = new OciProcess(false, Optional.empty(),
            new OciProcess.User(1000, 1000, Optional.of(022), List.of(10L, 20L)), List.of("sh", "-c", "true"),
            List.of("PATH=/bin"), "/work", Optional.of(new OciProcess.CapabilitySets(Set.of(Capability.KILL),
            Set.of(Capability.KILL), Set.of(), Set.of(Capability.KILL), Set.of())),
            List.of(new Rlimit("RLIMIT_NOFILE", 1024, 4096)), true, Optional.of(100), Optional.empty(), Optional.empty());

    static List<NamespaceEntry> ns(NamespaceType... types) {
        return Stream.of(types).map(t -> new NamespaceEntry(t, Optional.empty())).toList();
    }

    static OciLinux linux(List<NamespaceEntry> namespaces) {
        return new OciLinux(namespaces, List.of(), List.of(), List.of(), Optional.of("/quilt/x"), Optional.empty(),
                Map.of("net.ipv4.ip_forward", "0"), Optional.empty(), List.of("/proc/kcore"), List.of("/proc/sys"),
                Optional.empty(), Optional.empty());
    }

    static final OciLinux LINUX = linux(ns(NamespaceType.PID, NamespaceType.MOUNT, NamespaceType.UTS,
            NamespaceType.IPC, NamespaceType.NETWORK));

    static RuntimeSpec spec(OciLinux linux, List<OciMount> mounts) {
        return new RuntimeSpec("1.2.0", Optional.of(PROCESS), Optional.of(new RuntimeSpec.Root("rootfs", false)),
                Optional.of("box"), Optional.empty(), mounts, Optional.of(linux), Optional.empty(), Map.of());
    }

    static final RuntimeSpec BASE = spec(LINUX, List.of(new OciMount("/proc", "proc", "proc", List.of())));

    @Test
    void aPlainSpecBecomesTheEnginesPieces() {
        EngineSpec e = OciConversion.toEngine(BASE, "config.json");
        assertEquals(new ProcessSpec(List.of("sh", "-c", "true"), List.of("PATH=/bin"), "/work", new User(1000, 1000),
                false), e.process());
        assertEquals(Optional.of(new Hostname("box")), e.hostname());
        assertEquals(Set.of(Namespace.PID, Namespace.MOUNT, Namespace.UTS, Namespace.IPC, Namespace.NETWORK), e.namespaces());
        assertEquals(NetworkMode.NONE, e.network());
        assertEquals(Resources.UNLIMITED, e.resources());
        assertEquals(Optional.of("/quilt/x"), e.cgroupsPath());
        assertEquals(Optional.of(100), e.oomScoreAdj());
        assertEquals(Map.of(), e.namespacePaths());
        Security s = e.security();
        assertEquals(new Capabilities(Set.of(Capability.KILL), Set.of(Capability.KILL), Set.of(Capability.KILL),
                Set.of(), Set.of()), s.capabilities());
        assertTrue(s.noNewPrivileges());
        assertEquals(List.of(new Rlimit("RLIMIT_NOFILE", 1024, 4096)), s.rlimits());
        assertEquals(List.of(10, 20), s.additionalGids());
        assertEquals(Optional.of(022), s.umask());
        assertEquals(Map.of("net.ipv4.ip_forward", "0"), s.sysctls());
        assertEquals(List.of("/proc/kcore"), s.maskedPaths());
        assertEquals(List.of("/proc/sys"), s.readonlyPaths());
        assertEquals(Seccomp.UNCONFINED, s.seccomp()); // no linux.seccomp: none, as runc does
        assertEquals(List.of(), s.mounts()); // /proc is the engine's own
    }

    @Test
    void hooksAreNoRefusal() {
        OciHooks all = new OciHooks(List.of(HOOK), List.of(HOOK), List.of(HOOK), List.of(HOOK), List.of(HOOK),
                List.of(HOOK));
        RuntimeSpec s = new RuntimeSpec(BASE.ociVersion(), BASE.process(), BASE.root(), BASE.hostname(),
                Optional.empty(), BASE.mounts(), BASE.linux(), Optional.of(all), Map.of());
        // the engine's pieces are the same with them: the hooks travel in the Bundle, run by the monitor,
        // the init and the JVM
        assertEquals(OciConversion.toEngine(BASE, "config.json"), OciConversion.toEngine(s, "config.json"));
    }

    @Test
    void namespacesWithAPathAreJoinedNotMade() {
        RuntimeSpec s = withLinux(BASE, l -> copy(l, List.of(
                new NamespaceEntry(NamespaceType.PID, Optional.of("/proc/42/ns/pid")),
                new NamespaceEntry(NamespaceType.MOUNT, Optional.empty()),
                new NamespaceEntry(NamespaceType.UTS, Optional.of("/proc/42/ns/uts")),
                new NamespaceEntry(NamespaceType.IPC, Optional.of("/proc/42/ns/ipc")),
                new NamespaceEntry(NamespaceType.NETWORK, Optional.of("/var/run/netns/cni-1")),
                new NamespaceEntry(NamespaceType.CGROUP, Optional.empty())),
                List.of(), List.of(), List.of(), Optional.empty()));
        EngineSpec e = OciConversion.toEngine(s, "config.json");
        assertEquals(Set.of(Namespace.MOUNT, Namespace.CGROUP), e.namespaces());
        assertEquals(Map.of(Namespace.PID, "/proc/42/ns/pid", Namespace.UTS, "/proc/42/ns/uts",
                Namespace.IPC, "/proc/42/ns/ipc", Namespace.NETWORK, "/var/run/netns/cni-1"), e.namespacePaths());
        assertEquals(NetworkMode.HOST, e.network(), "a joined network is no namespace of the engine's: no lo, no bridge");
        assertEquals(Optional.of(new Hostname("box")), e.hostname(), "a uts namespace joined by path may get the hostname, as in runc");
    }

    @Test
    void noCapabilitiesObjectMeansNoCapabilities() {
        OciProcess p = new OciProcess(false, Optional.empty(), PROCESS.user(), PROCESS.args(), List.of(), "/",
                Optional.empty(), List.of(), false, Optional.empty(), Optional.empty(), Optional.empty());
        RuntimeSpec s = new RuntimeSpec("1.0.0", Optional.of(p), BASE.root(), Optional.empty(), Optional.empty(),
                List.of(), BASE.linux(), Optional.empty(), Map.of());
        EngineSpec e = OciConversion.toEngine(s, "config.json");
        assertEquals(Set.of(), e.security().capabilities().bounding());
        assertEquals(Set.of(), e.security().capabilities().effective());
    }

    @Test
    void aUserNamespaceWithItsMappingsBecomesTheSecuritysUserNamespace() {
        RuntimeSpec s = withLinux(BASE, l -> copy(l, ns(NamespaceType.MOUNT, NamespaceType.UTS, NamespaceType.USER),
                List.of(MAP), List.of(new IdMapping(0, 300000, 65536)), List.of(), Optional.empty()));
        EngineSpec e = OciConversion.toEngine(s, "config.json");
        assertEquals(new dev.quilt.domain.UserNamespace.Mapped(
                List.of(new dev.quilt.domain.UserNamespace.IdMapping(0, 100000, 65536)),
                List.of(new dev.quilt.domain.UserNamespace.IdMapping(0, 300000, 65536))), e.security().userns());
        assertTrue(e.namespaces().contains(Namespace.USER));
        assertEquals(dev.quilt.domain.UserNamespace.HOST, OciConversion.toEngine(BASE, "config.json").security().userns());
        // and back: what quilt run would hand a runtime names the namespace and its maps
        ContainerSpec c = new ContainerSpec(e.process(), Digest.sha256("a".repeat(64)), new Hostname("box"),
                e.namespaces(), false, false, e.network(), e.resources(), Optional.empty(),
                dev.quilt.domain.ReadyPolicy.DEFAULT, dev.quilt.domain.LogLimit.DEFAULT, e.security());
        OciLinux back = OciConversion.toRuntimeSpec(c, x -> Optional.empty()).linux().orElseThrow();
        assertEquals(List.of(MAP), back.uidMappings());
        assertEquals(List.of(new IdMapping(0, 300000, 65536)), back.gidMappings());
        assertTrue(back.namespaces().stream().anyMatch(n -> n.type() == NamespaceType.USER));
    }

    @Test
    void withoutANetworkNamespaceItIsTheHostsNetwork() {
        EngineSpec e = OciConversion.toEngine(spec(linux(ns(NamespaceType.MOUNT, NamespaceType.UTS)), List.of()), "c");
        assertEquals(NetworkMode.HOST, e.network());
    }

    @Test
    void theSeccompObjectTravelsAsItsJsonText() {
        OciSeccomp sc = new OciSeccomp("SCMP_ACT_ERRNO", Optional.of(38L), List.of("SCMP_ARCH_X86_64"), List.of(),
                Optional.empty(), Optional.empty(), List.of(new OciSeccomp.Syscall(List.of("read", "write"),
                "SCMP_ACT_ALLOW", Optional.empty(), List.of())));
        OciLinux l = new OciLinux(LINUX.namespaces(), List.of(), List.of(), List.of(), Optional.empty(), Optional.empty(),
                Map.of(), Optional.of(sc), List.of(), List.of(), Optional.empty(), Optional.empty());
        assertEquals(new Seccomp.Profile("config.json", "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
                        + "\"architectures\":[\"SCMP_ARCH_X86_64\"],\"syscalls\":[{\"names\":[\"read\",\"write\"],"
                        + "\"action\":\"SCMP_ACT_ALLOW\"}]}"),
                OciConversion.toEngine(spec(l, List.of()), "config.json").security().seccomp());
    }

    @Test
    void standardMountsAreTheEnginesOwnAndTheRestAreExtraMounts() {
        List<OciMount> mounts = new ArrayList<>();
        OciConversion.BUILT_IN_MOUNTS.forEach((d, t) -> mounts.add(new OciMount(d, t, t, List.of("nosuid"))));
        mounts.add(new OciMount("/dev/shm", "tmpfs", "shm", List.of("size=1g"))); // a second one is the user's
        mounts.add(new OciMount("/proc", "bind", "/host/proc", List.of("rbind"))); // a bind over /proc is not /proc
        mounts.add(new OciMount("data", Optional.empty(), Optional.of("/srv/data"), List.of("rbind", "ro"), List.of(),
                List.of()));
        mounts.add(new OciMount("/run", "tmpfs", "tmpfs", List.of("mode=755")));
        EngineSpec e = OciConversion.toEngine(spec(LINUX, mounts), "config.json");
        assertEquals(List.of(new MountSpec("/dev/shm", "tmpfs", "shm", List.of("size=1g")),
                new MountSpec("/proc", "bind", "/host/proc", List.of("rbind")),
                new MountSpec("/data", "bind", "/srv/data", List.of("rbind", "ro")),
                new MountSpec("/run", "tmpfs", "tmpfs", List.of("mode=755"))), e.security().mounts());
    }

    @Test
    void aDeviceGetsTheAccessItsRulesAllow() {
        OciLinux.Device fuse = new OciLinux.Device("/dev/fuse", 'c', Optional.of(10L), Optional.of(229L),
                Optional.empty(), Optional.empty(), Optional.empty());
        OciLinux.Device loop = new OciLinux.Device("/dev/loop0", 'b', Optional.of(7L), Optional.of(0L),
                Optional.of(0660), Optional.of(0L), Optional.of(6L));
        List<DeviceRule> rules = List.of(
                new DeviceRule(false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.of("rwm")),
                new DeviceRule(true, Optional.of('c'), Optional.of(10L), Optional.of(229L), Optional.empty()),
                new DeviceRule(true, Optional.of('b'), Optional.of(7L), Optional.of(0L), Optional.of("rw")),
                new DeviceRule(false, Optional.of('b'), Optional.of(7L), Optional.of(-1L), Optional.of("w")),
                new DeviceRule(true, Optional.of('c'), Optional.of(1L), Optional.of(3L), Optional.of("rwm")),
                new DeviceRule(true, Optional.of('c'), Optional.of(136L), Optional.empty(), Optional.of("rwm")));
        OciLinux l = new OciLinux(LINUX.namespaces(), List.of(), List.of(), List.of(fuse, loop), Optional.empty(),
                Optional.of(new OciLinux.Resources(rules, Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.empty())), Map.of(), Optional.empty(), List.of(), List.of(), Optional.empty(),
                Optional.empty());
        EngineSpec e = OciConversion.toEngine(spec(l, List.of()), "config.json");
        assertEquals(List.of(new DeviceSpec("/dev/fuse", 'c', 10, 229, 0666, 0, 0, "rwm"),
                new DeviceSpec("/dev/loop0", 'b', 7, 0, 0660, 0, 6, "r")), e.security().devices());
        assertEquals(List.of(new DeviceCgroupRule(false, 'a', -1, -1, "rwm"),
                new DeviceCgroupRule(true, 'c', 10, 229, "rwm"), new DeviceCgroupRule(true, 'b', 7, 0, "rw"),
                new DeviceCgroupRule(false, 'b', 7, -1, "w"), new DeviceCgroupRule(true, 'c', 1, 3, "rwm"),
                new DeviceCgroupRule(true, 'c', 136, -1, "rwm")), e.security().deviceRules());
    }

    /**
     * containerd's default spec and the CRI's allow devices they do not list in {@code linux.devices}
     * ({@code /dev/console}, {@code /dev/net/tun}, mknod of any, the ptys); runc applies the whole list to the
     * devices cgroup, and so does the engine: every rule, in the spec's order, deny and allow.
     */
    @Test
    void rulesForDevicesNotListedAreCarriedInTheSpecsOrder() {
        List<DeviceRule> rules = List.of(
                new DeviceRule(false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.of("rwm")),
                new DeviceRule(true, Optional.of('c'), Optional.empty(), Optional.empty(), Optional.of("m")),
                new DeviceRule(true, Optional.of('b'), Optional.of(-1L), Optional.of(-1L), Optional.of("m")),
                new DeviceRule(true, Optional.of('c'), Optional.of(5L), Optional.of(1L), Optional.of("rwm")),
                new DeviceRule(true, Optional.of('c'), Optional.of(10L), Optional.of(200L), Optional.of("wr")),
                new DeviceRule(false, Optional.of('c'), Optional.of(10L), Optional.of(200L), Optional.of("w")),
                new DeviceRule(true, Optional.of('c'), Optional.of(136L), Optional.empty(), Optional.empty()),
                new DeviceRule(true, Optional.of('a'), Optional.of(4L), Optional.empty(), Optional.of("r")));
        EngineSpec e = OciConversion.toEngine(withResources(new OciLinux.Resources(rules, Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty())), "config.json");
        assertEquals(List.of(), e.security().devices());
        assertEquals(List.of(new DeviceCgroupRule(false, 'a', -1, -1, "rwm"), new DeviceCgroupRule(true, 'c', -1, -1, "m"),
                new DeviceCgroupRule(true, 'b', -1, -1, "m"), new DeviceCgroupRule(true, 'c', 5, 1, "rwm"),
                new DeviceCgroupRule(true, 'c', 10, 200, "rw"), new DeviceCgroupRule(false, 'c', 10, 200, "w"),
                new DeviceCgroupRule(true, 'c', 136, -1, "rwm"), new DeviceCgroupRule(true, 'c', 4, -1, "r"),
                new DeviceCgroupRule(true, 'b', 4, -1, "r")), e.security().deviceRules());
    }

    /** A privileged spec's rule (CRI, {@code ctr run --privileged}): every device, as runc allows it. */
    @Test
    void allowingEveryDeviceIsCarried() {
        EngineSpec e = OciConversion.toEngine(withResources(new OciLinux.Resources(List.of(new DeviceRule(true,
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.of("rwm"))), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty())), "config.json");
        assertEquals(List.of(new DeviceCgroupRule(true, 'a', -1, -1, "rwm")), e.security().deviceRules());
        assertEquals("a", e.security().deviceRules().get(0).entry());
    }

    /** A bundle's rules go out to a runtime spec as they came in, and back. */
    @Test
    void carriedRulesSurviveTheWayOutAndBack() {
        List<DeviceRule> rules = List.of(
                new DeviceRule(false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.of("rwm")),
                new DeviceRule(true, Optional.of('c'), Optional.of(10L), Optional.of(200L), Optional.of("rwm")),
                new DeviceRule(false, Optional.of('c'), Optional.of(10L), Optional.of(200L), Optional.of("w")));
        EngineSpec e = OciConversion.toEngine(withResources(new OciLinux.Resources(rules, Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty())), "config.json");
        ContainerSpec c = new ContainerSpec(e.process(), Digest.sha256("c".repeat(64)), new Hostname("d"),
                e.namespaces(), false, false, e.network(), e.resources(), Optional.empty(),
                dev.quilt.domain.ReadyPolicy.DEFAULT, dev.quilt.domain.LogLimit.DEFAULT, e.security());
        EngineSpec back = OciConversion.toEngine(OciConversion.toRuntimeSpec(c, s -> Optional.empty()), "config.json");
        assertEquals(3, e.security().deviceRules().size());
        assertEquals(e.security().deviceRules(), back.security().deviceRules());
    }

    /** A spec without device rules keeps the engine's own policy. */
    @Test
    void noRulesIsTheEnginesPolicy() {
        assertEquals(List.of(), OciConversion.toEngine(BASE, "config.json").security().deviceRules());
    }

    @Test
    void resourcesBecomeTheEnginesLimits() {
        OciLinux.Resources r = new OciLinux.Resources(List.of(),
                Optional.of(new OciLinux.Memory(Optional.of(64L << 20), Optional.empty(), Optional.of(128L << 20),
                        Optional.of(1L), Optional.empty(), Optional.empty(), Optional.of(false))),
                Optional.of(new OciLinux.Cpu(Optional.of(512L), Optional.of(50_000L), Optional.of(100_000L),
                        Optional.of(""), Optional.empty())),
                Optional.of(100L), Optional.empty());
        OciLinux l = new OciLinux(LINUX.namespaces(), List.of(), List.of(), List.of(), Optional.empty(), Optional.of(r),
                Map.of(), Optional.empty(), List.of(), List.of(), Optional.empty(), Optional.empty());
        assertEquals(new Resources(Optional.of(64L << 20), Optional.of(128L << 20), Optional.of(new Cpus(50_000, 100_000)),
                Optional.of(512), Optional.of(100L)), OciConversion.toEngine(spec(l, List.of()), "config.json").resources());
    }

    /** A change to {@link #BASE} the engine cannot honour, and its line. */
    record Refusal(String name, UnaryOperator<RuntimeSpec> change, String line) {
        @Override
        public String toString() {
            return name;
        }
    }

    static RuntimeSpec withLinux(RuntimeSpec s, UnaryOperator<OciLinux> f) {
        return new RuntimeSpec(s.ociVersion(), s.process(), s.root(), s.hostname(), s.domainname(), s.mounts(),
                Optional.of(f.apply(s.linux().orElseThrow())), s.hooks(), s.annotations());
    }

    static OciLinux copy(OciLinux l, List<NamespaceEntry> ns, List<IdMapping> uid, List<IdMapping> gid,
                         List<OciLinux.Device> devices, Optional<OciLinux.Resources> r) {
        return new OciLinux(ns, uid, gid, devices, l.cgroupsPath(), r, l.sysctl(), l.seccomp(), l.maskedPaths(),
                l.readonlyPaths(), l.rootfsPropagation(), l.mountLabel());
    }

    static OciLinux.Resources res(Optional<OciLinux.Memory> m, Optional<OciLinux.Cpu> c, Optional<OciLinux.BlockIO> b) {
        return new OciLinux.Resources(List.of(), m, c, Optional.empty(), b);
    }

    static OciLinux.Memory mem(Optional<Long> reservation, Optional<Long> swappiness, Optional<Boolean> noOom) {
        return new OciLinux.Memory(Optional.empty(), reservation, Optional.empty(), Optional.empty(), Optional.empty(),
                swappiness, noOom);
    }

    static RuntimeSpec withResources(OciLinux.Resources r) {
        return withLinux(BASE, l -> copy(l, l.namespaces(), List.of(), List.of(), List.of(), Optional.of(r)));
    }

    static final IdMapping MAP = new IdMapping(0, 100000, 65536);
    static final OciHooks.Hook HOOK = new OciHooks.Hook("/bin/true", List.of(), List.of(), Optional.empty());

    static Stream<Refusal> refusals() {
        OciLinux.Device fifo = new OciLinux.Device("/dev/f", 'p', Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
        OciLinux.Device fuse = new OciLinux.Device("/dev/fuse", 'c', Optional.of(10L), Optional.of(229L),
                Optional.empty(), Optional.empty(), Optional.empty());
        return Stream.of(
                new Refusal("no process", s -> new RuntimeSpec("1", Optional.empty(), s.root(), s.hostname(),
                        Optional.empty(), List.of(), s.linux(), Optional.empty(), Map.of()),
                        "config.json: process: is missing: the engine needs a process to run"),
                new Refusal("no root", s -> new RuntimeSpec("1", s.process(), Optional.empty(), s.hostname(),
                        Optional.empty(), List.of(), s.linux(), Optional.empty(), Map.of()),
                        "config.json: root: is missing: give root.path"),
                new Refusal("domainname", s -> new RuntimeSpec("1", s.process(), s.root(), s.hostname(),
                        Optional.of("example.org"), List.of(), s.linux(), Optional.empty(), Map.of()),
                        "config.json: domainname: setting a domain name is not supported yet; leave it out"),
                new Refusal("a mount namespace to join", s -> withLinux(s, l -> copy(l, List.of(
                        new NamespaceEntry(NamespaceType.MOUNT, Optional.of("/proc/1/ns/mnt"))),
                        List.of(), List.of(), List.of(), Optional.empty())),
                        "config.json: linux.namespaces[0].path: joining a mount namespace by path is not supported;"
                                + " leave out path to get a new one"),
                new Refusal("a user namespace to join", s -> withLinux(s, l -> copy(l, List.of(
                        new NamespaceEntry(NamespaceType.MOUNT, Optional.empty()),
                        new NamespaceEntry(NamespaceType.USER, Optional.of("/proc/1/ns/user"))),
                        List.of(), List.of(), List.of(), Optional.empty())),
                        "config.json: linux.namespaces[1].path: joining a user namespace by path is not supported;"
                                + " leave out path to get a new one"),
                new Refusal("namespaces to join with a user namespace of its own", s -> withLinux(s, l -> copy(l, List.of(
                        new NamespaceEntry(NamespaceType.MOUNT, Optional.empty()),
                        new NamespaceEntry(NamespaceType.UTS, Optional.empty()),
                        new NamespaceEntry(NamespaceType.USER, Optional.empty()),
                        new NamespaceEntry(NamespaceType.IPC, Optional.of("/proc/1/ns/ipc"))),
                        List.of(MAP), List.of(MAP), List.of(), Optional.empty())),
                        "config.json: linux.namespaces: joining namespaces by path with a user namespace of its own is"
                                + " not supported yet; leave out the user namespace or the paths"),
                new Refusal("a user namespace", s -> withLinux(s, l -> copy(l, ns(NamespaceType.MOUNT, NamespaceType.USER),
                        List.of(), List.of(), List.of(), Optional.empty())),
                        "config.json: linux.uidMappings: a user namespace needs uidMappings and gidMappings: give both, "
                                + "e.g. [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]"),
                new Refusal("a user namespace without gid mappings", s -> withLinux(s, l -> copy(l,
                        ns(NamespaceType.MOUNT, NamespaceType.USER, NamespaceType.UTS), List.of(MAP), List.of(),
                        List.of(), Optional.empty())),
                        "config.json: linux.gidMappings: a user namespace needs uidMappings and gidMappings: give both, "
                                + "e.g. [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]"),
                new Refusal("a user namespace whose maps leave out its root", s -> withLinux(s, l -> copy(l,
                        ns(NamespaceType.MOUNT, NamespaceType.USER, NamespaceType.UTS), List.of(new IdMapping(1, 100000, 10)),
                        List.of(MAP), List.of(), Optional.empty())),
                        "config.json: linux.uidMappings: --uidmap must map the container's root: add one starting at 0, "
                                + "e.g. 0:100000:65536"),
                new Refusal("a time namespace", s -> withLinux(s, l -> copy(l, ns(NamespaceType.TIME, NamespaceType.MOUNT),
                        List.of(), List.of(), List.of(), Optional.empty())),
                        "config.json: linux.namespaces[0].type: a time namespace is not supported yet; leave it out"),
                new Refusal("no mount namespace", s -> withLinux(s, l -> copy(l, ns(NamespaceType.PID),
                        List.of(), List.of(), List.of(), Optional.empty())),
                        "config.json: linux.namespaces: a container needs its own mount namespace: add {\"type\": \"mount\"}"),
                new Refusal("a hostname without uts", s -> withLinux(s, l -> copy(l, ns(NamespaceType.MOUNT),
                        List.of(), List.of(), List.of(), Optional.empty())),
                        "config.json: hostname: needs a uts namespace of its own: add {\"type\": \"uts\"} to linux.namespaces"),
                new Refusal("uid mappings", s -> withLinux(s, l -> copy(l, l.namespaces(), List.of(MAP), List.of(),
                        List.of(), Optional.empty())),
                        "config.json: linux.uidMappings: mappings need a user namespace of their own: add {\"type\": \"user\"} to linux.namespaces"),
                new Refusal("gid mappings", s -> withLinux(s, l -> copy(l, l.namespaces(), List.of(), List.of(MAP),
                        List.of(), Optional.empty())),
                        "config.json: linux.gidMappings: mappings need a user namespace of their own: add {\"type\": \"user\"} to linux.namespaces"),
                new Refusal("an idmapped mount", s -> spec(LINUX, List.of(new OciMount("/a", Optional.of("bind"),
                        Optional.of("/b"), List.of(), List.of(), List.of(MAP)))),
                        "config.json: mounts[0].gidMappings: idmapped mounts are not supported yet; leave the mappings out"),
                new Refusal("a mount without a type", s -> spec(LINUX, List.of(new OciMount("/a", Optional.empty(),
                        Optional.of("/b"), List.of("ro"), List.of(), List.of()))),
                        "config.json: mounts[0].type: is missing: give the filesystem type, or bind"),
                new Refusal("a bind without a source", s -> spec(LINUX, List.of(new OciMount("/a", Optional.of("bind"),
                        Optional.empty(), List.of("ro"), List.of(), List.of()))),
                        "config.json: mounts[0].source: is missing: a bind mount needs a host path"),
                new Refusal("shared rootfs", s -> withLinux(s, l -> new OciLinux(l.namespaces(), List.of(), List.of(),
                        List.of(), Optional.empty(), Optional.empty(), Map.of(), Optional.empty(), List.of(), List.of(),
                        Optional.of("rshared"), Optional.empty())),
                        "config.json: linux.rootfsPropagation: 'rshared' is not supported yet; use rprivate or rslave"),
                new Refusal("a fifo device", s -> withLinux(s, l -> copy(l, l.namespaces(), List.of(), List.of(),
                        List.of(fifo), Optional.empty())),
                        "config.json: linux.devices[0].type: fifo devices are not supported yet; use c or b"),
                new Refusal("a device no rule allows", s -> withLinux(s, l -> copy(l, l.namespaces(), List.of(),
                        List.of(), List.of(fuse), Optional.empty())),
                        "config.json: linux.devices[0]: no rule in linux.resources.devices allows c 10:229; add "
                                + "{\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 229, \"access\": \"rwm\"}"),
                new Refusal("a negative device number", s -> withResources(new OciLinux.Resources(List.of(
                        new DeviceRule(false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.of("rwm")),
                        new DeviceRule(true, Optional.of('c'), Optional.of(-5L), Optional.empty(), Optional.of("rwm"))),
                        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty())),
                        "config.json: linux.resources.devices[1]: -5:-1 is not a device number; use -1 or leave it out"
                                + " for any"),
                new Refusal("memory reservation", s -> withResources(res(Optional.of(mem(Optional.of(1L << 20),
                        Optional.empty(), Optional.empty())), Optional.empty(), Optional.empty())),
                        "config.json: linux.resources.memory.reservation: is not supported yet; leave it out"),
                new Refusal("swappiness", s -> withResources(res(Optional.of(mem(Optional.empty(), Optional.of(0L),
                        Optional.empty())), Optional.empty(), Optional.empty())),
                        "config.json: linux.resources.memory.swappiness: is not supported yet; leave it out"),
                new Refusal("no oom killer", s -> withResources(res(Optional.of(mem(Optional.empty(), Optional.empty(),
                        Optional.of(true))), Optional.empty(), Optional.empty())),
                        "config.json: linux.resources.memory.disableOOMKiller: is not supported yet; leave it out"),
                new Refusal("a cpuset", s -> withResources(res(Optional.empty(), Optional.of(new OciLinux.Cpu(
                        Optional.empty(), Optional.empty(), Optional.empty(), Optional.of("0-1"), Optional.empty())),
                        Optional.empty())),
                        "config.json: linux.resources.cpu.cpus: cpusets are not supported yet; use cpu.quota and cpu.period"),
                new Refusal("cpu shares out of range", s -> withResources(res(Optional.empty(), Optional.of(new OciLinux.Cpu(
                        Optional.of(1L), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty())),
                        Optional.empty())),
                        "config.json: linux.resources.cpu.shares: 1 is not between 2 and 262144"),
                new Refusal("a tiny memory limit", s -> withResources(res(Optional.of(new OciLinux.Memory(
                        Optional.of(1024L), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.empty(), Optional.empty())), Optional.empty(), Optional.empty())),
                        "config.json: linux.resources: --memory 1k is too small: a container needs at least 6m"),
                new Refusal("block-io weight", s -> withResources(res(Optional.empty(), Optional.empty(),
                        Optional.of(new OciLinux.BlockIO(Optional.of(500), Optional.empty())))),
                        "config.json: linux.resources.blockIO: block-io weights are not supported yet; leave them out"),
                new Refusal("a uid above 2^31-1", s -> new RuntimeSpec("1", Optional.of(new OciProcess(false,
                        Optional.empty(), new OciProcess.User(4294967295L, 0, Optional.empty(), List.of()), List.of("sh"),
                        List.of(), "/", Optional.empty(), List.of(), false, Optional.empty(), Optional.empty(),
                        Optional.empty())), s.root(), s.hostname(), Optional.empty(), List.of(), s.linux(),
                        Optional.empty(), Map.of()),
                        "config.json: process.user.uid: 4294967295 is above 2147483647, which the engine does not support yet"),
                new Refusal("a bad hostname", s -> new RuntimeSpec("1", s.process(), s.root(), Optional.of("a_b!"),
                        Optional.empty(), List.of(), s.linux(), Optional.empty(), Map.of()),
                        "config.json: hostname: invalid hostname 'a_b!': use letters, digits, '-' and '.', at most 64 characters"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void whatTheEngineCannotHonourIsOneLine(Refusal r) {
        RuntimeSpec changed = r.change().apply(BASE);
        QuiltException e = assertThrows(QuiltException.class, () -> OciConversion.toEngine(changed, "config.json"));
        assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
        assertEquals(r.line(), e.getMessage());
    }

    @Test
    void whatQuiltRunWouldHandARuntime() {
        Security sec = new Security(Capabilities.DEFAULT, true, Seccomp.DEFAULT, List.of(), List.of(5),
                Optional.of(027), Map.of(), List.of(new MountSpec("/work", "bind", "/srv/w", List.of("rbind"))),
                List.of(new DeviceSpec("/dev/fuse", 'c', 10, 229, 0666, 0, 0, "rwm")), Security.DEFAULT_MASKED,
                Security.DEFAULT_READONLY, true, false);
        ContainerSpec c = new ContainerSpec(new ProcessSpec(List.of("sh"), List.of("A=1"), "/", new User(1, 2), true),
                Digest.sha256("a".repeat(64)), new Hostname("web"), ContainerSpec.DEFAULT_NAMESPACES, false, false,
                NetworkMode.BRIDGE, Resources.DEFAULT, Optional.empty(), dev.quilt.domain.ReadyPolicy.DEFAULT,
                dev.quilt.domain.LogLimit.DEFAULT, sec);
        OciSeccomp profile = new OciSeccomp("SCMP_ACT_ERRNO", Optional.empty(), List.of(), List.of(), Optional.empty(),
                Optional.empty(), List.of());
        RuntimeSpec r = OciConversion.toRuntimeSpec(c, s -> s instanceof Seccomp.Default ? Optional.of(profile)
                : Optional.empty());
        assertEquals(RuntimeSpec.VERSION, r.ociVersion());
        assertEquals(new RuntimeSpec.Root("rootfs", true), r.root().orElseThrow());
        assertEquals(Map.of("dev.quilt.image", "sha256:" + "a".repeat(64)), r.annotations());
        assertEquals(Optional.of(profile), r.linux().orElseThrow().seccomp());
        List<String> dests = r.mounts().stream().map(OciMount::destination).toList();
        assertEquals(List.of("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup", "/work"),
                dests);
        assertTrue(r.mounts().get(5).options().contains("ro"), "sysfs read-only");
        assertTrue(r.mounts().get(6).options().contains("ro"), "cgroupfs read-only");
        EngineSpec e = OciConversion.toEngine(r, "config.json");
        assertEquals(c.process(), e.process());
        assertEquals(c.namespaces(), e.namespaces());
        assertEquals(c.resources(), e.resources());
        assertEquals(new Security(sec.capabilities(), true, new Seccomp.Profile("config.json", "{\"defaultAction\":\"SCMP_ACT_ERRNO\"}"),
                List.of(), List.of(5), Optional.of(027), Map.of(), sec.mounts(), sec.devices(), sec.maskedPaths(),
                sec.readonlyPaths(), true, false), e.security());
    }

    @Test
    void aLimitGivenTwiceIsTheLastOneInARuntimeSpec() {
        Security sec = new Security(Capabilities.DEFAULT, true, Seccomp.UNCONFINED, List.of(
                new Rlimit("RLIMIT_NOFILE", 1, 1), new Rlimit("RLIMIT_CORE", 0, 0), new Rlimit("RLIMIT_NOFILE", 2, 2)),
                List.of(), Optional.empty(), Map.of(), List.of(), List.of(), List.of(), List.of(), false, false);
        ContainerSpec c = new ContainerSpec(new ProcessSpec(List.of("sh"), List.of(), "/", User.ROOT, false),
                Digest.sha256("b".repeat(64)), new Hostname("p"), ContainerSpec.DEFAULT_NAMESPACES, false, false,
                NetworkMode.NONE, Resources.UNLIMITED, Optional.empty(), dev.quilt.domain.ReadyPolicy.DEFAULT,
                dev.quilt.domain.LogLimit.DEFAULT, sec);
        assertEquals(List.of(new Rlimit("RLIMIT_NOFILE", 2, 2), new Rlimit("RLIMIT_CORE", 0, 0)),
                OciConversion.toRuntimeSpec(c, s -> Optional.empty()).process().orElseThrow().rlimits());
    }

    @Test
    void privilegedLeavesSysfsAndCgroupfsWritable() {
        Security priv = new Security(Capabilities.ALL, false, Seccomp.UNCONFINED, List.of(), List.of(), Optional.empty(),
                Map.of(), List.of(), List.of(), List.of(), List.of(), false, true);
        ContainerSpec c = new ContainerSpec(new ProcessSpec(List.of("sh"), List.of(), "/", User.ROOT, false),
                Digest.sha256("b".repeat(64)), new Hostname("p"), ContainerSpec.DEFAULT_NAMESPACES, false, false,
                NetworkMode.NONE, Resources.UNLIMITED, Optional.empty(), dev.quilt.domain.ReadyPolicy.DEFAULT,
                dev.quilt.domain.LogLimit.DEFAULT, priv);
        RuntimeSpec r = OciConversion.toRuntimeSpec(c, s -> Optional.empty());
        assertTrue(r.mounts().stream().filter(m -> m.destination().startsWith("/sys"))
                .noneMatch(m -> m.options().contains("ro")));
        assertEquals(Optional.empty(), r.linux().orElseThrow().seccomp());
        assertEquals(EnumSet.allOf(Capability.class),
                EnumSet.copyOf(r.process().orElseThrow().capabilities().orElseThrow().bounding()));
    }
}

package dev.quilt.domain.oci;

import dev.quilt.domain.Capabilities;
import dev.quilt.domain.Capability;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.Cpus;
import dev.quilt.domain.DeviceSpec;
import dev.quilt.domain.Digest;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.LogLimit;
import dev.quilt.domain.MountSpec;
import dev.quilt.domain.Namespace;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.ProcessSpec;
import dev.quilt.domain.ReadyPolicy;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Rlimit;
import dev.quilt.domain.Seccomp;
import dev.quilt.domain.Security;
import dev.quilt.domain.User;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What quilt run would hand a runtime reads back as the same engine spec. */
class OciConversionPropertiesTest {
    static final OciSeccomp DEFAULT_PROFILE = new OciSeccomp("SCMP_ACT_ERRNO", Optional.of(38L),
            List.of("SCMP_ARCH_X86_64"), List.of(), Optional.empty(), Optional.empty(),
            List.of(new OciSeccomp.Syscall(List.of("read"), "SCMP_ACT_ALLOW", Optional.empty(), List.of())));

    @Property(tries = 300)
    void containerSpecToRuntimeSpecToEngineKeepsEverything(@ForAll("containers") ContainerSpec c) {
        RuntimeSpec r = OciConversion.toRuntimeSpec(c, s -> s instanceof Seccomp.Default ? Optional.of(DEFAULT_PROFILE)
                : Optional.empty());
        OciConversion.EngineSpec e = OciConversion.toEngine(r, "config.json");
        Security s = c.security();
        assertEquals(c.process(), e.process());
        assertEquals(Optional.of(c.hostname()), e.hostname());
        assertEquals(c.namespaces(), e.namespaces());
        assertEquals(c.namespaces().contains(Namespace.NETWORK) ? NetworkMode.NONE : NetworkMode.HOST, e.network());
        assertEquals(c.resources(), e.resources());
        Seccomp expected = switch (s.seccomp()) {
            case Seccomp.Default d -> new Seccomp.Profile("config.json", OciSeccompJson.render(DEFAULT_PROFILE));
            default -> Seccomp.UNCONFINED;
        };
        assertEquals(new Security(s.capabilities(), s.noNewPrivileges(), expected, s.rlimits(), s.additionalGids(),
                s.umask(), s.sysctls(), s.mounts(), s.devices(), s.maskedPaths(), s.readonlyPaths(), s.readonlyRootfs(),
                false), e.security());
    }

    static Arbitrary<String> word() {
        return Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(8);
    }

    static Arbitrary<String> absolute() {
        return word().list().ofMinSize(1).ofMaxSize(3).map(l -> "/" + String.join("/", l));
    }

    static Arbitrary<Security> security() {
        var caps = Arbitraries.of(Capability.class).set();
        var capabilities = Combinators.combine(caps, caps, caps, caps, caps).as(Capabilities::new);
        var rlimit = Combinators.combine(Arbitraries.of("RLIMIT_NOFILE", "RLIMIT_NPROC"), Arbitraries.longs().between(0, 1 << 20),
                Arbitraries.longs().between(0, 1 << 20)).as((t, a, b) -> new Rlimit(t, Math.min(a, b), Math.max(a, b)));
        // an extra mount never at a standard place: there the first one is the engine's own
        var mount = Combinators.combine(absolute().filter(d -> !OciConversion.BUILT_IN_MOUNTS.containsKey(d)),
                Arbitraries.of("bind", "tmpfs"), absolute(), Arbitraries.of("ro", "rbind", "size=1m").list().ofMaxSize(2))
                .as(MountSpec::new);
        var device = Combinators.combine(word().map(w -> "/dev/" + w), Arbitraries.of('c', 'b'),
                Arbitraries.longs().between(0, 4095), Arbitraries.longs().between(0, 1 << 20),
                Arbitraries.integers().between(0, 07777), Arbitraries.integers().between(0, 1 << 20),
                Arbitraries.integers().between(0, 1 << 20), Arbitraries.of("r", "rw", "rwm", "m", "wm"))
                .as(DeviceSpec::new);
        // one device per type and numbers: two nodes of one device would share one cgroup rule
        var devices = device.list().ofMaxSize(3).uniqueElements(d -> d.type() + " " + d.major() + ":" + d.minor());
        var head = Combinators.combine(capabilities, Arbitraries.of(true, false),
                Arbitraries.of(Seccomp.DEFAULT, Seccomp.UNCONFINED), rlimit.list().ofMaxSize(2).uniqueElements(Rlimit::type),
                Arbitraries.integers().between(0, 1 << 20).list().ofMaxSize(3),
                Arbitraries.integers().between(0, 0777).optional(),
                Arbitraries.maps(word().map(w -> "net." + w), word()).ofMaxSize(2), mount.list().ofMaxSize(3))
                .as(Head::new);
        return Combinators.combine(head, devices, absolute().list().ofMaxSize(3), absolute().list().ofMaxSize(3),
                Arbitraries.of(true, false)).as((h, d, masked, ro, rorootfs) -> new Security(h.caps, h.nnp, h.seccomp,
                h.rlimits, h.gids, h.umask, h.sysctl, h.mounts, d, masked, ro, rorootfs, false));
    }

    record Head(Capabilities caps, boolean nnp, Seccomp seccomp, List<Rlimit> rlimits, List<Integer> gids,
                Optional<Integer> umask, java.util.Map<String, String> sysctl, List<MountSpec> mounts) {}

    static Arbitrary<Resources> resources() {
        var memory = Arbitraries.longs().between(Resources.MIN_MEMORY, 1L << 40).optional();
        var cpus = Combinators.combine(Arbitraries.longs().between(Cpus.MIN_QUOTA, 1_000_000),
                Arbitraries.longs().between(1_000, 1_000_000)).as(Cpus::new).optional();
        return Combinators.combine(memory, Arbitraries.longs().between(0, 1L << 30), Arbitraries.of(true, false), cpus,
                Arbitraries.integers().between(Resources.MIN_SHARES, Resources.MAX_SHARES).optional(),
                Arbitraries.longs().between(1, 1 << 20).optional())
                .as((m, extra, withSwap, c, shares, pids) -> new Resources(m,
                        m.filter(x -> withSwap).map(x -> x + extra), c, shares, pids));
    }

    @Provide
    Arbitrary<ContainerSpec> containers() {
        var process = Combinators.combine(word().list().ofMinSize(1).ofMaxSize(3),
                word().map(w -> w.toUpperCase() + "=" + w).list().ofMaxSize(3), absolute(),
                Combinators.combine(Arbitraries.integers().between(0, 1 << 20), Arbitraries.integers().between(0, 1 << 20))
                        .as(User::new), Arbitraries.of(true, false)).as(ProcessSpec::new);
        var namespaces = Arbitraries.of(Namespace.PID, Namespace.UTS, Namespace.IPC, Namespace.CGROUP).set()
                .map(s -> {
                    EnumSet<Namespace> n = EnumSet.of(Namespace.MOUNT, Namespace.UTS);
                    n.addAll(s);
                    return (Set<Namespace>) n;
                });
        return Combinators.combine(process, word().map(Hostname::new), namespaces,
                Arbitraries.of(NetworkMode.class), resources(), security())
                .as((p, h, ns, net, res, sec) -> new ContainerSpec(p, Digest.sha256("c".repeat(64)), h, ns, false, false,
                        net, res, Optional.empty(), ReadyPolicy.DEFAULT, LogLimit.DEFAULT, sec));
    }
}

package dev.quilt.linux.oci;

import dev.quilt.domain.Capability;
import dev.quilt.domain.Rlimit;
import dev.quilt.domain.oci.OciHooks;
import dev.quilt.domain.oci.OciLinux;
import dev.quilt.domain.oci.OciMount;
import dev.quilt.domain.oci.OciProcess;
import dev.quilt.domain.oci.OciSeccomp;
import dev.quilt.domain.oci.OciSeccompJson;
import dev.quilt.domain.oci.RuntimeSpec;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Any model written as config.json reads back equal, and writing is stable. */
class OciSpecRoundTripTest {
    @Property(tries = 300)
    void modelToJsonToModelIsEqual(@ForAll("specs") RuntimeSpec spec) {
        byte[] json = OciSpecCodec.write(spec);
        RuntimeSpec back = OciSpecCodec.read(json);
        assertEquals(spec, back);
        assertArrayEquals(json, OciSpecCodec.write(back));
    }

    @Property(tries = 200)
    void theSeccompTextReadsBackEqual(@ForAll("seccomps") OciSeccomp s) {
        assertEquals(s, OciSpecCodec.readSeccomp(OciSeccompJson.render(s), "profile"));
    }

    static Arbitrary<String> text() {
        return Arbitraries.strings().withCharRange(' ', '~').withChars('é', '€', '\n', '\t', '\u0001', '"', '\\')
                .ofMaxLength(12);
    }

    static Arbitrary<String> word() {
        return Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(8);
    }

    static Arbitrary<String> absolute() {
        return word().list().ofMinSize(1).ofMaxSize(3).map(l -> "/" + String.join("/", l));
    }

    static Arbitrary<Long> u32() {
        return Arbitraries.longs().between(0, 0xffff_ffffL);
    }

    static Arbitrary<Rlimit> rlimit() {
        return Combinators.combine(Arbitraries.of("RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_CORE"),
                Arbitraries.longs(), Arbitraries.longs()).as((t, a, b) -> {
                    long hard = Long.compareUnsigned(a, b) >= 0 ? a : b;
                    long soft = hard == a ? b : a;
                    return new Rlimit(t, soft, hard);
                });
    }

    static Arbitrary<OciProcess> process() {
        var caps = Arbitraries.of(Capability.class).set();
        var sets = Combinators.combine(caps, caps, caps, caps, caps).as(OciProcess.CapabilitySets::new);
        var user = Combinators.combine(u32(), u32(), Arbitraries.integers().between(0, 0777).optional(),
                u32().list().ofMaxSize(3)).as(OciProcess.User::new);
        var console = Combinators.combine(u32(), u32()).as(OciProcess.ConsoleSize::new);
        var head = Combinators.combine(Arbitraries.of(true, false), console.optional(), user, text().list().ofMaxSize(3),
                text().list().ofMaxSize(3), absolute(), sets.optional(), rlimit().list().ofMaxSize(3).uniqueElements(Rlimit::type))
                .as(ProcessHead::new);
        return Combinators.combine(head, Arbitraries.of(true, false),
                Arbitraries.integers().between(-1000, 1000).optional(), text().optional(), text().optional())
                .as((h, nnp, oom, aa, se) -> new OciProcess(h.terminal, h.console, h.user, h.args, h.env, h.cwd, h.caps,
                        h.rlimits, nnp, oom, aa, se));
    }

    record ProcessHead(boolean terminal, Optional<OciProcess.ConsoleSize> console, OciProcess.User user,
                       List<String> args, List<String> env, String cwd, Optional<OciProcess.CapabilitySets> caps,
                       List<Rlimit> rlimits) {}

    static Arbitrary<OciMount.IdMapping> mapping() {
        return Combinators.combine(u32(), u32(), u32()).as(OciMount.IdMapping::new);
    }

    static Arbitrary<OciMount> mount() {
        return Combinators.combine(absolute(), word().optional(), text().optional(), text().list().ofMaxSize(3),
                mapping().list().ofMaxSize(2), mapping().list().ofMaxSize(2)).as(OciMount::new);
    }

    @Provide
    static Arbitrary<OciSeccomp> seccomps() {
        var action = Arbitraries.of(OciSeccomp.ACTIONS);
        var arg = Combinators.combine(Arbitraries.integers().between(0, 5), Arbitraries.longs(), Arbitraries.longs(),
                Arbitraries.of(OciSeccomp.OPERATORS)).as(OciSeccomp.Arg::new);
        var syscall = Combinators.combine(word().map(w -> w + "_x").list().ofMinSize(1).ofMaxSize(4), action,
                u32().optional(), arg.list().ofMaxSize(3)).as(OciSeccomp.Syscall::new);
        return Combinators.combine(action, u32().optional(),
                Arbitraries.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64").list().ofMaxSize(3),
                Arbitraries.of("SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW").list().ofMaxSize(2),
                absolute().optional(), text().optional(), syscall.list().ofMaxSize(4)).as(OciSeccomp::new);
    }

    static Arbitrary<OciLinux> linux() {
        var ns = Arbitraries.of(OciLinux.NamespaceType.class).set().ofMaxSize(8);
        var namespaces = Combinators.combine(ns, absolute().optional()).as((types, path) -> types.stream()
                .map(t -> new OciLinux.NamespaceEntry(t, t == OciLinux.NamespaceType.NETWORK ? path : Optional.empty()))
                .toList());
        var device = Combinators.combine(absolute(), Arbitraries.of('c', 'b', 'u'), Arbitraries.longs().optional(),
                Arbitraries.longs().optional(), Arbitraries.integers().between(0, 07777).optional(),
                u32().optional(), u32().optional())
                .as((p, t, ma, mi, mode, uid, gid) -> new OciLinux.Device(p, t, Optional.of(ma.orElse(1L)),
                        Optional.of(mi.orElse(3L)), mode, uid, gid));
        var rule = Combinators.combine(Arbitraries.of(true, false), Arbitraries.of('a', 'c', 'b').optional(),
                Arbitraries.longs().optional(), Arbitraries.longs().optional(),
                Arbitraries.of("r", "rw", "rwm", "m").optional()).as(OciLinux.DeviceRule::new);
        var memory = Combinators.combine(Arbitraries.longs().optional(), Arbitraries.longs().optional(),
                Arbitraries.longs().optional(), Arbitraries.longs().optional(), Arbitraries.longs().optional(),
                Arbitraries.longs().between(0, 100).optional(), Arbitraries.of(true, false).optional())
                .as(OciLinux.Memory::new);
        var cpu = Combinators.combine(Arbitraries.longs().optional(), Arbitraries.longs().optional(),
                Arbitraries.longs().optional(), text().optional(), text().optional()).as(OciLinux.Cpu::new);
        var weight = Arbitraries.integers().between(10, 1000).optional();
        var blockIO = Combinators.combine(weight, weight).as(OciLinux.BlockIO::new);
        var resources = Combinators.combine(rule.list().ofMaxSize(3), memory.optional(), cpu.optional(),
                Arbitraries.longs().optional(), blockIO.optional()).as(OciLinux.Resources::new);
        var map = Arbitraries.maps(word(), text()).ofMaxSize(3);
        var head = Combinators.combine(namespaces, mapping().list().ofMaxSize(2), mapping().list().ofMaxSize(2),
                device.list().ofMaxSize(2), text().optional(), resources.optional(), map).as(LinuxHead::new);
        return Combinators.combine(head, seccomps().optional(), absolute().list().ofMaxSize(3),
                absolute().list().ofMaxSize(3), Arbitraries.of(OciLinux.PROPAGATIONS).optional(), text().optional())
                .as((h, sc, masked, ro, prop, label) -> new OciLinux(h.namespaces, h.uid, h.gid, h.devices, h.cgroupsPath,
                        h.resources, h.sysctl, sc, masked, ro, prop, label));
    }

    record LinuxHead(List<OciLinux.NamespaceEntry> namespaces, List<OciMount.IdMapping> uid,
                     List<OciMount.IdMapping> gid, List<OciLinux.Device> devices, Optional<String> cgroupsPath,
                     Optional<OciLinux.Resources> resources, java.util.Map<String, String> sysctl) {}

    static Arbitrary<OciHooks> hooks() {
        var hook = Combinators.combine(absolute(), text().list().ofMaxSize(2), text().list().ofMaxSize(2),
                Arbitraries.integers().between(1, 600).optional()).as(OciHooks.Hook::new);
        var l = hook.list().ofMaxSize(2);
        return Combinators.combine(l, l, l, l, l, l).as(OciHooks::new);
    }

    @Provide
    Arbitrary<RuntimeSpec> specs() {
        var root = Combinators.combine(text().filter(s -> !s.isEmpty()), Arbitraries.of(true, false))
                .as(RuntimeSpec.Root::new);
        return Combinators.combine(Arbitraries.of("1.0.2-dev", "1.1.0", "1.2.0"), process().optional(),
                root.optional(), text().optional(), text().optional(), mount().list().ofMaxSize(3),
                linux().optional(), hooks().optional())
                .flatAs((v, p, r, h, d, m, l, k) -> Arbitraries.maps(word(), text()).ofMaxSize(3)
                        .map(a -> new RuntimeSpec(v, p, r, h, d, m, l, k, a)));
    }
}

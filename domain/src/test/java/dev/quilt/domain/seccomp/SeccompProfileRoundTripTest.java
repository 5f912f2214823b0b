package dev.quilt.domain.seccomp;

import dev.quilt.domain.Capability;
import dev.quilt.domain.seccomp.SeccompProfile.Action;
import dev.quilt.domain.seccomp.SeccompProfile.Arg;
import dev.quilt.domain.seccomp.SeccompProfile.ArchEntry;
import dev.quilt.domain.seccomp.SeccompProfile.Condition;
import dev.quilt.domain.seccomp.SeccompProfile.Op;
import dev.quilt.domain.seccomp.SeccompProfile.Rule;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Any profile written as a tree reads back equal, with or without fields it does not know. */
class SeccompProfileRoundTripTest {
    private static final List<String> ARCHES = List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
            "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_S390X");

    @Property
    void aProfileReadsBackEqual(@ForAll("profiles") SeccompProfile p) {
        assertEquals(p, SeccompProfileParser.parse("p", SeccompProfileParser.toTree(p)));
    }

    @Property
    @SuppressWarnings("unchecked")
    void unknownFieldsAreIgnored(@ForAll("profiles") SeccompProfile p, @ForAll("unknownKeys") String key) {
        Map<String, Object> t = new HashMap<>(SeccompProfileParser.toTree(p));
        t.put(key, Map.of("anything", List.of(1L, "two")));
        List<Object> rules = new java.util.ArrayList<>();
        for (Object r : (List<Object>) t.get("syscalls")) {
            Map<String, Object> m = new HashMap<>((Map<String, Object>) r);
            m.put(key, "ignored");
            m.put("comment", "a rule's comment");
            rules.add(m);
        }
        t.put("syscalls", rules);
        assertEquals(p, SeccompProfileParser.parse("p", t));
    }

    @Provide
    Arbitrary<String> unknownKeys() {
        return Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(12)
                .filter(k -> !List.of("defaultAction", "defaultErrnoRet", "architectures", "archMap", "syscalls",
                        "names", "name", "action", "errnoRet", "args", "includes", "excludes").contains(k));
    }

    @Provide
    Arbitrary<SeccompProfile> profiles() {
        Arbitrary<Action> action = Arbitraries.of(Action.class).filter(a -> a != Action.NOTIFY);
        Arbitrary<Optional<Integer>> errno = Arbitraries.integers().between(0, SeccompProfileParser.MAX_ERRNO)
                .optional();
        Arbitrary<List<String>> arches = Arbitraries.of(ARCHES).list().ofMaxSize(3);
        Arbitrary<List<ArchEntry>> archMap = Combinators.combine(Arbitraries.of(ARCHES), arches)
                .as(ArchEntry::new).list().ofMaxSize(2);
        Arbitrary<Rule> rule = Combinators.combine(names(), action, errno, args(), conditions(), conditions())
                .as(Rule::new);
        return Combinators.combine(action, errno, Arbitraries.integers().between(0, 2), arches, archMap,
                rule.list().ofMaxSize(5)).as((a, e, which, ar, am, rules) -> new SeccompProfile(a, e,
                        which == 1 ? ar : List.of(), which == 2 ? am : List.of(), rules));
    }

    private static Arbitrary<List<String>> names() {
        return Arbitraries.strings().withCharRange('a', 'z').withChars('_', '0', '9').ofMinLength(1).ofMaxLength(20)
                .list().ofMinSize(1).ofMaxSize(4);
    }

    private static Arbitrary<List<Arg>> args() {
        return Combinators.combine(Arbitraries.integers().between(0, 5), Arbitraries.longs(), Arbitraries.longs(),
                Arbitraries.of(Op.class)).as(Arg::new).list().ofMaxSize(3);
    }

    private static Arbitrary<Condition> conditions() {
        Arbitrary<List<String>> caps = Arbitraries.of(Capability.class).map(Capability::ociName).list().ofMaxSize(3);
        Arbitrary<List<String>> arches = Arbitraries.of("amd64", "arm64", "s390x", "x32").list().ofMaxSize(2);
        Arbitrary<Optional<KernelVersion>> kernel = Combinators.combine(Arbitraries.integers().between(2, 7),
                Arbitraries.integers().between(0, 30)).as(KernelVersion::new).optional();
        return Combinators.combine(caps, arches, kernel).as(Condition::new);
    }
}

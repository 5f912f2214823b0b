package dev.quilt.domain.seccomp;

import dev.quilt.domain.QuiltException;
import dev.quilt.domain.seccomp.SeccompProfile.Action;
import dev.quilt.domain.seccomp.SeccompProfile.Op;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The profile format as trees (what the adapters' JSON codec gives): fields read, unknown ones ignored, bad ones named. */
class SeccompProfileParserTest {
    /** A mutable copy, so each case can spoil one field. */
    static Map<String, Object> docker() {
        Map<String, Object> arg = new HashMap<>(Map.of("index", 0L, "value", 2114060288L, "op", "SCMP_CMP_MASKED_EQ"));
        Map<String, Object> clone = new HashMap<>(Map.of("names", new ArrayList<>(List.of("clone")),
                "action", "SCMP_ACT_ALLOW", "args", new ArrayList<>(List.of(arg)),
                "excludes", new HashMap<>(Map.of("caps", List.of("CAP_SYS_ADMIN"), "arches", List.of("s390x")))));
        Map<String, Object> ptrace = new HashMap<>(Map.of("names", List.of("ptrace"), "action", "SCMP_ACT_ALLOW",
                "includes", new HashMap<>(Map.of("minKernel", "4.8"))));
        Map<String, Object> clone3 = new HashMap<>(Map.of("names", List.of("clone3"), "action", "SCMP_ACT_ERRNO",
                "errnoRet", 38L, "comment", "glibc falls back to clone",
                "excludes", Map.of("caps", List.of("CAP_SYS_ADMIN"))));
        Map<String, Object> archMap = new HashMap<>(Map.of("architecture", "SCMP_ARCH_X86_64",
                "subArchitectures", List.of("SCMP_ARCH_X86", "SCMP_ARCH_X32")));
        Map<String, Object> p = new HashMap<>();
        p.put("defaultAction", "SCMP_ACT_ERRNO");
        p.put("defaultErrnoRet", 1L);
        p.put("archMap", new ArrayList<>(List.of(archMap)));
        p.put("syscalls", new ArrayList<>(List.of(clone, ptrace, clone3)));
        p.put("someFutureField", Map.of("x", 1L));
        return p;
    }

    private static SeccompProfile parse(Map<String, Object> tree) {
        return SeccompProfileParser.parse("'p.json'", tree);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> rule(Map<String, Object> p, int i) {
        return ((List<Map<String, Object>>) p.get("syscalls")).get(i);
    }

    @Test
    void dockersFormatIsRead() {
        SeccompProfile p = parse(docker());
        assertEquals(Action.ERRNO, p.defaultAction());
        assertEquals(Optional.of(1), p.defaultErrnoRet());
        assertEquals(List.of(new SeccompProfile.ArchEntry("SCMP_ARCH_X86_64", List.of("SCMP_ARCH_X86", "SCMP_ARCH_X32"))),
                p.archMap());
        SeccompProfile.Rule clone = p.syscalls().get(0);
        assertEquals(List.of(new SeccompProfile.Arg(0, 2114060288L, 0, Op.MASKED_EQ)), clone.args());
        assertEquals(List.of("CAP_SYS_ADMIN"), clone.excludes().caps());
        assertEquals(Optional.of(new KernelVersion(4, 8)), p.syscalls().get(1).includes().minKernel());
        assertEquals(Optional.of(38), p.syscalls().get(2).errnoRet());
    }

    @Test
    void ocisFormatIsRead() {
        Map<String, Object> p = new HashMap<>(Map.of("defaultAction", "SCMP_ACT_KILL_PROCESS",
                "architectures", List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"),
                "flags", List.of("SECCOMP_FILTER_FLAG_LOG"),
                "syscalls", List.of(Map.of("names", List.of("read", "write"), "action", "SCMP_ACT_ALLOW"))));
        SeccompProfile parsed = parse(p);
        assertEquals(Action.KILL_PROCESS, parsed.defaultAction());
        assertEquals(List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"), parsed.architectures());
        assertEquals(List.of("read", "write"), parsed.syscalls().get(0).names());
    }

    @Test
    void anOldSingleNameIsRead() {
        Map<String, Object> p = docker();
        Map<String, Object> r = rule(p, 0);
        r.remove("names");
        r.put("name", "clone");
        assertEquals(List.of("clone"), parse(p).syscalls().get(0).names());
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> badFields() {
        return Stream.of(
                arguments("defaultAction", (java.util.function.Consumer<Map<String, Object>>) p -> p.remove("defaultAction")),
                arguments("defaultAction unknown action 'SCMP_ACT_MAYBE'", set(p -> p.put("defaultAction", "SCMP_ACT_MAYBE"))),
                arguments("defaultAction SCMP_ACT_NOTIFY needs a seccomp agent", set(p -> p.put("defaultAction", "SCMP_ACT_NOTIFY"))),
                arguments("defaultErrnoRet 5000 is not an errno", set(p -> p.put("defaultErrnoRet", 5000L))),
                arguments("defaultErrnoRet is not a whole number", set(p -> p.put("defaultErrnoRet", "1"))),
                arguments("architectures and archMap are both given", set(p -> p.put("architectures", List.of("SCMP_ARCH_X86")))),
                arguments("archMap[0].architecture 'x86_64' is not an architecture",
                        set(p -> p.put("archMap", List.of(Map.of("architecture", "x86_64"))))),
                arguments("syscalls is not a list", set(p -> p.put("syscalls", "all"))),
                arguments("syscalls[1] is not an object", set(p -> p.put("syscalls", List.of(Map.of("names", List.of("read"),
                        "action", "SCMP_ACT_ALLOW"), 7L)))),
                arguments("syscalls[0].names is missing or empty", set(p -> rule(p, 0).remove("names"))),
                arguments("syscalls[0].names[1] 'Open At' is not a syscall name",
                        set(p -> rule(p, 0).put("names", List.of("clone", "Open At")))),
                arguments("syscalls[0].name and names are both given", set(p -> rule(p, 0).put("name", "clone"))),
                arguments("syscalls[2].action is missing", set(p -> rule(p, 2).remove("action"))),
                arguments("syscalls[2].errnoRet -1 is not an errno", set(p -> rule(p, 2).put("errnoRet", -1L))),
                arguments("syscalls[0].args[0].index 6 is not an argument", set(p -> argOf(p).put("index", 6L))),
                arguments("syscalls[0].args[0].value is missing", set(p -> argOf(p).remove("value"))),
                arguments("syscalls[0].args[0].op unknown operator 'SCMP_CMP_LIKE'", set(p -> argOf(p).put("op", "SCMP_CMP_LIKE"))),
                arguments("syscalls[0].excludes.caps[0] is not text", set(p -> rule(p, 0).put("excludes", Map.of("caps", List.of(1L))))),
                arguments("syscalls[1].includes.minKernel '4' is not MAJOR.MINOR",
                        set(p -> rule(p, 1).put("includes", Map.of("minKernel", "4")))),
                arguments("syscalls[1].includes is not an object", set(p -> rule(p, 1).put("includes", List.of()))));
    }

    private static java.util.function.Consumer<Map<String, Object>> set(java.util.function.Consumer<Map<String, Object>> c) {
        return c;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> argOf(Map<String, Object> p) {
        return ((List<Map<String, Object>>) rule(p, 0).get("args")).get(0);
    }

    @ParameterizedTest
    @MethodSource("badFields")
    void aBadFieldIsOneLineNamingIt(String expected, java.util.function.Consumer<Map<String, Object>> spoil) {
        Map<String, Object> p = docker();
        spoil.accept(p);
        QuiltException e = assertThrows(QuiltException.class, () -> parse(p));
        assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
        assertTrue(e.getMessage().startsWith("seccomp profile 'p.json': " + expected), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void kernelReleasesAreComparedByMajorAndMinor() {
        assertEquals(new KernelVersion(6, 18), KernelVersion.parse("6.18.3-amd64"));
        assertEquals(new KernelVersion(3, 12), KernelVersion.parse("3.12-1-amd64"));
        assertTrue(KernelVersion.parse("6.1").atLeast(new KernelVersion(4, 8)));
        assertFalse(KernelVersion.parse("4.4.0").atLeast(new KernelVersion(4, 8)));
        assertThrows(QuiltException.class, () -> KernelVersion.parse("six"));
    }
}

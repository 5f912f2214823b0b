package dev.quilt.linux.seccomp;

import dev.quilt.domain.Capabilities;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Seccomp;
import dev.quilt.domain.seccomp.Platform;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.ports.SeccompFilters;
import dev.quilt.ports.SeccompFiltersContract;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** libseccomp's programs and their cache, against the real library; no root needed. */
class LinuxSeccompFiltersTest extends SeccompFiltersContract {
    @TempDir
    Path dir;

    @BeforeEach
    void load() {
        NativeLibrary.load(dir.resolve("native"));
    }

    @Override
    protected SeccompFilters filters() {
        return new LinuxSeccompFilters(dir.resolve("seccomp"));
    }

    private static boolean endsWith(byte[] file, byte[] program) {
        return file.length > program.length
                && Arrays.equals(file, file.length - program.length, file.length, program, 0, program.length);
    }

    @Test
    void aProgramIsCompiledOnceAndThenReadFromTheCache() throws Exception {
        LinuxSeccompFilters first = new LinuxSeccompFilters(dir.resolve("seccomp"));
        byte[] p = first.program(Seccomp.DEFAULT, Capabilities.DEFAULT).orElseThrow();
        first.program(Seccomp.DEFAULT, Capabilities.DEFAULT);
        assertEquals(1, first.compiles(), "the second is from memory");
        Path file = first.cacheFile(LinuxSeccompFilters.defaultProfileKey(), Capabilities.DEFAULT);
        assertTrue(endsWith(Files.readAllBytes(file), p), "the file ends with the program");
        try (var files = Files.list(dir.resolve("seccomp"))) {
            assertEquals(List.of(file), files.toList(), "no temp file is left beside it");
        }

        LinuxSeccompFilters next = new LinuxSeccompFilters(dir.resolve("seccomp"));
        assertArrayEquals(p, next.program(Seccomp.DEFAULT, Capabilities.DEFAULT).orElseThrow());
        assertEquals(0, next.compiles(), "a new process reads the file");
    }

    @Test
    void aDamagedCacheFileIsCompiledAgainAndReplaced() throws Exception {
        LinuxSeccompFilters first = new LinuxSeccompFilters(dir.resolve("seccomp"));
        byte[] p = first.program(Seccomp.DEFAULT, Capabilities.DEFAULT).orElseThrow();
        Path file = first.cacheFile(LinuxSeccompFilters.defaultProfileKey(), Capabilities.DEFAULT);
        byte[] good = Files.readAllBytes(file);
        for (byte[] damaged : List.of(new byte[] {1, 2, 3}, Arrays.copyOf(good, good.length - 3),
                Arrays.copyOf(good, good.length - 8), new byte[0])) {
            Files.write(file, damaged);
            LinuxSeccompFilters next = new LinuxSeccompFilters(dir.resolve("seccomp"));
            assertArrayEquals(p, next.program(Seccomp.DEFAULT, Capabilities.DEFAULT).orElseThrow());
            assertEquals(1, next.compiles());
            assertArrayEquals(good, Files.readAllBytes(file));
        }
    }

    @Test
    void aFileMadeForOtherInputsIsNeverTakenForThese() throws Exception {
        // as if two keys had the same CRCs: the name matches, the key inside does not
        LinuxSeccompFilters f = new LinuxSeccompFilters(dir.resolve("seccomp"));
        byte[] admin = f.program(Seccomp.DEFAULT, Capabilities.ALL).orElseThrow();
        Path adminFile = f.cacheFile(LinuxSeccompFilters.defaultProfileKey(), Capabilities.ALL);
        Path plainFile = f.cacheFile(LinuxSeccompFilters.defaultProfileKey(), Capabilities.DEFAULT);
        Files.copy(adminFile, plainFile);
        LinuxSeccompFilters next = new LinuxSeccompFilters(dir.resolve("seccomp"));
        byte[] plain = next.program(Seccomp.DEFAULT, Capabilities.DEFAULT).orElseThrow();
        assertEquals(1, next.compiles());
        assertFalse(Arrays.equals(admin, plain));
    }

    @Test
    void aCacheThatCannotBeWrittenCostsOnlyACompile() throws Exception {
        Path blocked = dir.resolve("blocked");
        Files.writeString(blocked, "a file where the cache directory would be");
        LinuxSeccompFilters f = new LinuxSeccompFilters(blocked.resolve("seccomp"));
        assertTrue(f.program(Seccomp.DEFAULT, Capabilities.DEFAULT).orElseThrow().length > 0);
    }

    @Test
    void eachCapabilitySetAndProfileHasItsOwnFile() {
        LinuxSeccompFilters f = new LinuxSeccompFilters(dir.resolve("seccomp"));
        byte[] text = LinuxSeccompFilters.defaultProfileKey();
        assertNotEquals(f.cacheFile(text, Capabilities.DEFAULT), f.cacheFile(text, Capabilities.ALL));
        assertNotEquals(f.cacheFile(text, Capabilities.DEFAULT),
                f.cacheFile(SMALL_PROFILE.getBytes(java.nio.charset.StandardCharsets.UTF_8), Capabilities.DEFAULT));
        LinuxSeccompFilters older = new LinuxSeccompFilters(dir.resolve("seccomp"), Platform.of("x86_64", "4.4.0"));
        assertNotEquals(f.cacheFile(text, Capabilities.DEFAULT), older.cacheFile(text, Capabilities.DEFAULT),
                "minKernel makes the kernel part of the key");
    }

    @Test
    void everyCapabilitySetCompiles() {
        LinuxSeccompFilters f = new LinuxSeccompFilters(dir.resolve("seccomp"));
        for (Capabilities caps : List.of(Capabilities.DEFAULT, Capabilities.ALL, Capabilities.of(java.util.Set.of()))) {
            assertTrue(f.program(Seccomp.DEFAULT, caps).orElseThrow().length > 0, caps.toString());
        }
    }

    @Test
    void aBadFieldIsOneLineNamingIt() {
        String profile = """
                {"defaultAction": "SCMP_ACT_ERRNO",
                 "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"},
                              {"names": ["write"], "action": "SCMP_ACT_MAYBE"}]}
                """;
        QuiltException e = assertThrows(QuiltException.class,
                () -> filters().program(new Seccomp.Profile("/etc/p.json", profile), Capabilities.DEFAULT));
        assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
        assertTrue(e.getMessage().startsWith("seccomp profile '/etc/p.json': syscalls[1].action unknown action "
                + "'SCMP_ACT_MAYBE'"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void anArchitectureLibseccompDoesNotKnowIsNamed() {
        String profile = """
                {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"]}
                """;
        QuiltException e = assertThrows(QuiltException.class,
                () -> filters().program(new Seccomp.Profile("vax.json", profile), Capabilities.DEFAULT));
        assertTrue(e.getMessage().contains("SCMP_ARCH_VAX is not known to libseccomp"), e.getMessage());
    }

    @Test
    void unknownSyscallNamesAreSkippedAsRuncDoes() {
        String profile = """
                {"defaultAction": "SCMP_ACT_ERRNO",
                 "syscalls": [{"names": ["read", "no_such_syscall_at_all"], "action": "SCMP_ACT_ALLOW"}]}
                """;
        assertTrue(filters().program(new Seccomp.Profile("p.json", profile), Capabilities.DEFAULT)
                .orElseThrow().length > 0);
    }
}

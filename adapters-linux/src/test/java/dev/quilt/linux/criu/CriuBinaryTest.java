package dev.quilt.linux.criu;

import dev.quilt.domain.QuiltException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CriuBinaryTest {
    @TempDir
    Path dir;

    private Path executable(Path p) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, "#!/bin/sh\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    @Test
    void quiltCriuWinsOverPath() throws IOException {
        Path named = executable(dir.resolve("named/criu-launcher"));
        executable(dir.resolve("bin/criu"));
        assertEquals(named, CriuBinary.locate(Map.of("QUILT_CRIU", named.toString(),
                "PATH", dir.resolve("bin").toString())));
    }

    @Test
    void withoutQuiltCriuTheFirstCriuOnPath() throws IOException {
        Path second = executable(dir.resolve("b/criu"));
        Files.createDirectories(dir.resolve("a"));
        Files.writeString(dir.resolve("a/criu"), "not executable");
        assertEquals(second, CriuBinary.locate(Map.of("PATH", dir.resolve("a") + "::" + dir.resolve("b"))));
        assertEquals(second, CriuBinary.locate(Map.of("QUILT_CRIU", "", "PATH", dir.resolve("b").toString())));
    }

    @Test
    void noCriuAnywhereSaysToRunTheSetUp() {
        QuiltException e = assertThrows(QuiltException.class,
                () -> CriuBinary.locate(Map.of("PATH", dir.toString())));
        assertEquals(QuiltException.Kind.SYSTEM, e.kind());
        assertEquals("checkpoint and restore need criu and there is none: run the set-up (./quilt checkpoint runs"
                + " it, or: source scripts/setup.sh; quilt_criu), or set QUILT_CRIU to a criu that passes"
                + " 'criu check'", e.getMessage());
        assertThrows(QuiltException.class, () -> CriuBinary.locate(Map.of()));
    }

    @Test
    void aRelativeQuiltCriuIsRefused() {
        QuiltException e = assertThrows(QuiltException.class,
                () -> CriuBinary.locate(Map.of("QUILT_CRIU", "bin/criu")));
        assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
        assertEquals("QUILT_CRIU=bin/criu is not an absolute path: name the criu to run by its full path, or unset"
                + " it", e.getMessage());
    }

    @Test
    void aQuiltCriuThatIsNoExecutableIsRefused() throws IOException {
        Path plain = dir.resolve("plain");
        Files.writeString(plain, "x");
        for (Path p : new Path[] {plain, dir, dir.resolve("missing")}) {
            QuiltException e = assertThrows(QuiltException.class,
                    () -> CriuBinary.locate(Map.of("QUILT_CRIU", p.toString())));
            assertEquals("QUILT_CRIU=" + p + " is not an executable file: run the set-up (./quilt checkpoint runs"
                    + " it, or: source scripts/setup.sh; quilt_criu) or unset it", e.getMessage());
        }
    }
}

package dev.quilt.linux.checkpoint;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The set-up's CRIU, as root: {@code scripts/setup.sh}'s {@code quilt_criu} exports a {@code QUILT_CRIU} that
 * {@link CriuBinary} accepts and whose {@code criu check} passes on this kernel; run again, it is quiet and
 * names the same criu (the check is cached per kernel).
 */
class CriuSetupIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    private record Result(int code, String out, String err) {}

    private static Result run(List<String> argv, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(argv).directory(REPO.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        // both streams read at once, so neither pipe fills while the other is read
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), argv + " did not end within its deadline");
        return new Result(p.exitValue(), out, err.join());
    }

    private static Result setUp() throws IOException, InterruptedException {
        Map<String, String> env = new HashMap<>();
        env.put("QUILT_CRIU", ""); // what the set-up finds, not what this JVM was given
        return run(List.of("bash", "-c", "set -euo pipefail; source scripts/setup.sh; quilt_criu;"
                + " printf '%s' \"$QUILT_CRIU\""), env);
    }

    @Test
    void theSetUpsCriuPassesCriuCheck() throws Exception {
        Result first = setUp();
        assertEquals(0, first.code(), first.err());
        String criu = CriuBinary.find(java.util.Optional.of(first.out()), java.util.Optional.empty()).path();
        Result check = run(List.of(criu, "check"), Map.of());
        assertEquals(0, check.code(), check.out() + check.err());
        assertTrue((check.out() + check.err()).contains("Looks good."), check.out() + check.err());

        Result again = setUp();
        assertEquals(0, again.code(), again.err());
        assertEquals(first.out(), again.out());
        assertEquals("", again.err(), "the set-up, once done, is quiet");
    }

    /**
     * The choice, with fakes in a scratch build directory and PATH (no fetch): a system criu whose check passes
     * is chosen; one whose check fails is passed over for the launcher under the build directory.
     */
    @Test
    void aSystemCriuIsChosenOnlyWhenItsCheckPasses(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path bin = dir.resolve("bin");
        Path build = dir.resolve("build");
        java.nio.file.Files.createDirectories(bin);
        java.nio.file.Files.createDirectories(build.resolve("criu"));
        Path system = script(bin.resolve("criu"), "[ \"$1\" = check ] && exit 0; exit 2");
        Path launcher = script(build.resolve("criu/criu"), "[ \"$1\" = check ] && echo 'Looks good.'");
        String setUp = "set -euo pipefail; source scripts/setup.sh; QUILT_BUILD=" + build + "; PATH=" + bin
                + ":$PATH; quilt_criu; printf '%s' \"$QUILT_CRIU\"";
        Map<String, String> env = Map.of("QUILT_CRIU", "");

        Result passes = run(List.of("bash", "-c", setUp), env);
        assertEquals(0, passes.code(), passes.err());
        assertEquals(system.toString(), passes.out());

        java.nio.file.Files.delete(build.resolve("criu/checked"));
        script(system, "exit 1"); // Debian 12's criu 3.17 on this kernel: its check fails
        Result fails = run(List.of("bash", "-c", setUp), env);
        assertEquals(0, fails.code(), fails.err());
        assertEquals(launcher.toString(), fails.out());
        String marker = java.nio.file.Files.readString(build.resolve("criu/checked")).trim();
        assertEquals(launcher + " " + java.nio.file.Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim(),
                marker);
    }

    private static Path script(Path p, String body) throws IOException {
        java.nio.file.Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        java.nio.file.Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }
}

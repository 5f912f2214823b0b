package dev.quilt.linux.criu;

import dev.quilt.domain.QuiltException;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Which {@code criu} checkpoint and restore run: the absolute path in {@code QUILT_CRIU} (exported by
 * {@code scripts/setup.sh}'s {@code quilt_criu}, which {@code ./test}, {@code ./quilt checkpoint|restore|serve}
 * and {@code ./quilt-runc checkpoint|restore} call: the system's criu when {@code criu check} passes with it,
 * else Debian 13's criu 4.1.1 through its own loader), else {@code criu} on {@code PATH}; with neither, one
 * line saying to run the set-up.
 */
public final class CriuBinary {
    /** The environment variable that names the criu to run: an absolute path. */
    public static final String ENV = "QUILT_CRIU";

    private CriuBinary() {}

    /** The criu of this process's environment; see {@link #locate(Map)}. */
    public static Path locate() {
        return locate(System.getenv());
    }

    /**
     * The criu {@code env} names: {@code QUILT_CRIU} when set (it must be an absolute path of an executable
     * file), else the first executable {@code criu} in {@code PATH}'s directories.
     *
     * @throws QuiltException (INVALID_INPUT) when {@code QUILT_CRIU} is relative or names no executable file;
     *     (SYSTEM) when there is no criu at all: the line says to run the set-up
     */
    public static Path locate(Map<String, String> env) {
        String named = env.get(ENV);
        if (named != null && !named.isEmpty()) {
            Path p = Path.of(named);
            if (!p.isAbsolute()) {
                throw QuiltException.invalid(ENV + "=" + named + " is not an absolute path: name the criu to run"
                        + " by its full path, or unset it");
            }
            if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
                throw QuiltException.invalid(ENV + "=" + named + " is not an executable file: run the set-up"
                        + " (./quilt checkpoint runs it, or: source scripts/setup.sh; quilt_criu) or unset it");
            }
            return p;
        }
        return onPath(env.getOrDefault("PATH", "")).orElseThrow(() -> new QuiltException(
                QuiltException.Kind.SYSTEM, "checkpoint and restore need criu and there is none: run the set-up"
                + " (./quilt checkpoint runs it, or: source scripts/setup.sh; quilt_criu), or set " + ENV
                + " to a criu that passes 'criu check'"));
    }

    private static Optional<Path> onPath(String path) {
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue; // an empty entry is the working directory: never searched for a helper
            Path candidate = Path.of(dir, "criu");
            if (candidate.isAbsolute() && Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}

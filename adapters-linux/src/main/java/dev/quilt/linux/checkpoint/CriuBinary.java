package dev.quilt.linux.checkpoint;

import dev.quilt.domain.QuiltException;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Which CRIU to run: {@code $QUILT_CRIU} (an absolute path; {@code scripts/setup.sh} exports one that passes
 * {@code criu check}), else {@code criu} on PATH. Neither is one line saying to run the set-up.
 */
public record CriuBinary(String path) {
    public static final String ENV = "QUILT_CRIU";

    public static CriuBinary find() {
        return find(Optional.ofNullable(System.getenv(ENV)), Optional.ofNullable(System.getenv("PATH")));
    }

    static CriuBinary find(Optional<String> env, Optional<String> pathVar) {
        if (env.isPresent() && !env.get().isEmpty()) {
            Path p = Path.of(env.get());
            if (!p.isAbsolute() || !Files.isExecutable(p)) {
                throw new QuiltException(QuiltException.Kind.SYSTEM, ENV + "=" + env.get()
                        + " is not an executable absolute path; run scripts/setup.sh, or point " + ENV
                        + " at a criu that passes 'criu check'");
            }
            return new CriuBinary(p.toString());
        }
        for (String dir : pathVar.orElse("").split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, "criu");
            if (Files.isExecutable(p)) return new CriuBinary(p.toString());
        }
        throw new QuiltException(QuiltException.Kind.SYSTEM, "checkpoint and restore need criu, and there is none"
                + " (no " + ENV + ", no criu on PATH); run scripts/setup.sh, which installs one that passes"
                + " 'criu check'");
    }
}

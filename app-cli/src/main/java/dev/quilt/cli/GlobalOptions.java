package dev.quilt.cli;

import dev.quilt.linux.LinuxPaths;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The options every command shares, filled in by picocli before any command
 * runs; the adapters read them when Dagger first builds them.
 */
public final class GlobalOptions {
    private Optional<Path> root = Optional.empty();
    private boolean debug;

    public void root(Path root) {
        this.root = Optional.of(root);
    }

    void debug(boolean debug) {
        this.debug = debug;
    }

    public boolean debug() {
        return debug;
    }

    public LinuxPaths paths() {
        return root.map(LinuxPaths::under).orElse(LinuxPaths.DEFAULT);
    }
}

package dev.quilt.linux;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Digest;

import java.nio.file.Path;

/**
 * Where Quilt keeps things on a host. {@code run} holds what dies with a
 * reboot (state.json, exit.json, name claims); {@code data} what must not
 * (images, container layers).
 */
public record LinuxPaths(Path run, Path data) {
    public static final LinuxPaths DEFAULT = new LinuxPaths(Path.of("/run/quilt"), Path.of("/var/lib/quilt"));

    public LinuxPaths {
        run = run.toAbsolutePath().normalize();
        data = data.toAbsolutePath().normalize();
        for (Path p : new Path[] {run, data}) {
            String s = p.toString();
            // overlayfs options are a comma-separated list with ':' between lower dirs
            if (s.contains(",") || s.contains(":") || s.contains("\n")) {
                throw dev.quilt.domain.QuiltException.invalid("state root '" + s
                        + "' must not contain ',', ':' or a newline (overlayfs cannot name such paths)");
            }
        }
    }

    /** Everything under one directory, as tests want: {@code DIR/run} and {@code DIR/data}. */
    public static LinuxPaths under(Path root) {
        Path r = root.toAbsolutePath().normalize();
        return new LinuxPaths(r.resolve("run"), r.resolve("data"));
    }

    public Path containerState(ContainerId id) {
        return run.resolve(id.value());
    }

    public Path execFifo(ContainerId id) {
        return containerState(id).resolve("exec.fifo");
    }

    public Path log(ContainerId id) {
        return containerState(id).resolve("container.log");
    }

    /** Name claims: IDs never start with '.', so this cannot clash with a container. */
    public Path names() {
        return run.resolve(".names");
    }

    public Path containerLayer(ContainerId id) {
        return data.resolve("containers").resolve(id.value());
    }

    public Path containers() {
        return data.resolve("containers");
    }

    public Path images() {
        return data.resolve("images");
    }

    public Path imageRootfs(Digest digest) {
        return images().resolve(digest.hex()).resolve("rootfs");
    }

    /** hosts, hostname and resolv.conf bound into the container. */
    public Path etcFiles(ContainerId id) {
        return containerState(id).resolve("etc");
    }

    /** The root's network: bridge and subnet. */
    public Path networkConfig() {
        return data.resolve("network.json");
    }

    /** Address leases and their lock; like {@link #names()}, hidden from the container listing. */
    public Path network() {
        return run.resolve(".network");
    }

    public Path nativeCache() {
        return data.resolve("native");
    }
}

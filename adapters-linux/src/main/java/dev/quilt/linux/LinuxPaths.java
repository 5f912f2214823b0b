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

    /**
     * A detached container's CRI log, beside its layer on the persistent side
     * (not in {@code run}, which is RAM on most hosts), so it goes with
     * {@code rm}; {@link #rotatedLog} holds what came before its last rotation.
     */
    public Path log(ContainerId id) {
        return containerLayer(id).resolve("container.log");
    }

    public Path rotatedLog(ContainerId id) {
        return containerLayer(id).resolve("container.log.1");
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

    /** Compiled seccomp programs, {@code <sha256>.bpf}: see {@code LinuxSeccompFilters}. */
    public Path seccompCache() {
        return data.resolve("seccomp");
    }

    /**
     * The cgroup under which this root's containers live, in every hierarchy:
     * {@code quilt} for the default root, {@code quilt-<hash of the run dir>} for
     * any other, so two roots (or a test and the host's Quilt) never touch each
     * other's cgroups, and gc of one never takes another's for orphans.
     */
    public String cgroupParent() {
        if (run.equals(DEFAULT.run)) return "quilt";
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(run.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "quilt-" + java.util.HexFormat.of().formatHex(h, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}

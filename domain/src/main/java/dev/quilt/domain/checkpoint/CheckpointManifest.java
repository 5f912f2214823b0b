package dev.quilt.domain.checkpoint;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.Digest;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * {@code manifest.json}, the last file of a checkpoint to be written: what was dumped, from what, with what, and
 * every other file of the checkpoint with its size and sha256, so a restore can refuse a damaged one before it
 * makes anything ({@link CheckpointCheck}).
 *
 * @param formatVersion {@link #FORMAT}; a newer one is refused by an older Quilt
 * @param name          the checkpoint's name (its directory's)
 * @param containerId   the container that was dumped
 * @param containerName its name at the dump, if it had one
 * @param created       when the dump ended
 * @param criuVersion   {@code criu --version}'s version, e.g. {@code 4.1.1}
 * @param kernelRelease {@code uname -r} of the host that dumped it
 * @param specDigest    sha256 of {@link #CONTAINER} (the container's record: spec, endpoint); empty only in a
 *                      damaged manifest
 * @param imageDigest   the image the container ran on (its overlay's lower layer); empty only in a damaged manifest
 * @param leftRunning   whether the container ran on after the dump ({@code --leave-running})
 * @param tcpEstablished whether established TCP connections were dumped ({@code --tcp-established})
 * @param externals     what CRIU was told is outside the dump, to be handed back at restore
 * @param files         every file of the checkpoint but the manifest, in path order
 */
public record CheckpointManifest(int formatVersion, CheckpointName name, ContainerId containerId,
                                 Optional<ContainerName> containerName, Instant created, String criuVersion,
                                 String kernelRelease, Optional<Digest> specDigest, Optional<Digest> imageDigest,
                                 boolean leftRunning, boolean tcpEstablished, Externals externals,
                                 List<FileEntry> files) {
    /** The format this Quilt writes and reads. */
    public static final int FORMAT = 1;
    public static final String MANIFEST = "manifest.json";
    /** The container's record as it was at the dump (the spec and its network endpoint). */
    public static final String CONTAINER = "container.json";
    /** The container's writable (overlay upper) layer: a tar with owners, modes, xattrs and whiteouts. */
    public static final String LAYER = "rootfs-diff.tar";
    /** CRIU's images directory (and {@code dump.log}). */
    public static final String IMAGES = "criu";

    public CheckpointManifest {
        files = List.copyOf(files);
    }

    /**
     * What the dump was told lies outside the dumped tree (CRIU's {@code --external}) and the restore must hand back
     * ({@code --inherit-fd}).
     *
     * @param netKey     the key the network namespace was dumped as ({@code net[INODE]:KEY}); a restore gives a
     *                   fresh, empty namespace under that key
     * @param stdioPipes the init's stdout/stderr pipes (fd and {@code pipe:[INODE]}), which a restore replaces with
     *                   its own monitor's log pipes; empty for a container whose stdio is not the monitor's pipes
     */
    public record Externals(Optional<String> netKey, List<PipeEnd> stdioPipes) {
        public Externals {
            stdioPipes = List.copyOf(stdioPipes);
        }

        public static final Externals NONE = new Externals(Optional.empty(), List.of());
    }

    /** One of the init's fds that was the write end of a pipe, {@code /proc/PID/fd/FD -> pipe:[INODE]}. */
    public record PipeEnd(int fd, long inode) {}

    /** A file of the checkpoint: its path relative to the checkpoint's directory, size in bytes, sha256. */
    public record FileEntry(String path, long size, Digest sha256) {}
}

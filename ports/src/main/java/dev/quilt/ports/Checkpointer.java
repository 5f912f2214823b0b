package dev.quilt.ports;

import dev.quilt.domain.Container;
import dev.quilt.domain.checkpoint.CheckpointManifest;

import java.nio.file.Path;
import java.time.Instant;

/**
 * CRIU's side of a checkpoint: dumping a running container's process tree. Restoring one is a launch of the
 * {@link ProcessSpawner} ({@link ProcessSpawner#restore}), so the restored init has a monitor like a fresh one.
 */
public interface Checkpointer {
    /**
     * The CRIU to use: {@code $QUILT_CRIU}, else {@code criu} on PATH. Refused with one line saying to run the
     * set-up when there is none ({@code SYSTEM}).
     */
    Criu criu();

    /** A usable CRIU: its path, its version ({@code 4.1.1}) and the kernel's release. */
    record Criu(String path, String version, String kernelRelease) {}

    /**
     * Dumps the container's init and its whole tree into {@code images} (made if missing) with CRIU's log
     * {@code dump.log} there. The network namespace is external (a restore gives a fresh one) and so are the
     * init's stdio pipes to its monitor. With {@code leaveRunning} the tree runs on after the dump (the caller froze
     * it before, and thaws it after); without, CRIU ends it. A dump that outlives {@code deadline} is killed (the
     * tree is left as it was). Failures are one line with CRIU's own error lines.
     *
     * @return what was external, for the manifest and the restore
     */
    CheckpointManifest.Externals dump(Container container, Path images, Options options, Instant deadline);

    /**
     * As {@link #dump(Container, Path, Options, Instant)}, telling {@code started} CRIU's process (pid and start
     * time) as soon as it runs: a CRIU outlives a caller that is killed, and ends the dump on its own.
     */
    default CheckpointManifest.Externals dump(Container container, Path images, Options options, Instant deadline,
                                              java.util.function.Consumer<dev.quilt.domain.ProcessRef> started) {
        return dump(container, images, options, deadline);
    }

    /** CRIU's choices of a dump: {@code --leave-running}, {@code --tcp-established}. */
    record Options(boolean leaveRunning, boolean tcpEstablished) {}
}

package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Digest;
import dev.quilt.domain.RootFs;

import java.util.Set;

/** Each container's own writable layer over its image or its bundle's rootfs directory. */
public interface ContainerStorage {
    /**
     * Makes the container's empty upper layer over {@code root}. An image that is not
     * there, or a directory that is not one, is {@code NOT_FOUND}, before anything is made.
     */
    void prepare(ContainerId id, RootFs root);

    /** Makes the container's empty upper layer over the image. */
    default void prepare(ContainerId id, Digest image) {
        prepare(id, new RootFs.Image(image));
    }

    /**
     * The bundle's rootfs used in place, as runc uses it ({@link dev.quilt.domain.RuncTerms#rootInPlace}): checks
     * that {@code root} is a directory ({@code NOT_FOUND} otherwise) and makes no layer over it, only the
     * container's own data directory (where a detached container's log goes). {@link #release} removes that
     * directory and never touches {@code root}.
     */
    void prepareInPlace(ContainerId id, RootFs.Directory root);

    /**
     * The layer {@link #prepare} made, kept for the container to run on again (a start or restart of an exited
     * container, as dockerd keeps its writable layer): {@code upper} is used as it is, with every file the last run
     * wrote; {@code work} and {@code merged} are made again when missing. The same refusals as {@link #prepare}
     * for {@code root}, and {@code NOT_FOUND} when the container has no layer (removed by hand), before anything
     * is made.
     */
    void prepareAgain(ContainerId id, RootFs root);

    /**
     * Writes the container's upper layer into {@code archive} (a tar that keeps owners, modes, xattrs and
     * overlay whiteouts), for a checkpoint. The caller makes sure nothing writes to it meanwhile (the container is
     * frozen or dumped). {@code NOT_FOUND} when the container has no layer.
     */
    void saveLayer(ContainerId id, java.nio.file.Path archive);

    /**
     * As {@link #prepare}, with {@code archive} (made by {@link #saveLayer}) extracted into the new upper layer:
     * a restored container's layer. The same refusals as {@link #prepare}; a broken archive leaves no layer.
     */
    void prepareFromLayer(ContainerId id, RootFs root, java.nio.file.Path archive);

    /** Removes the layer and everything in it; a no-op when there is none. */
    void release(ContainerId id);

    /** Every container that has a layer, for leak checks and gc. */
    Set<ContainerId> list();

    /**
     * Writes {@code content} as the regular file {@code path} (absolute in the container) into the container's upper
     * layer before it runs: a fork's clone counter ({@link dev.quilt.domain.ForkPlan#CLONE_FILE}), written over its
     * checkpoint's layer before the restore. Missing directories are made (0755, root's); the file is 0644, written
     * whole (temp and rename). No link is followed: a symlink or a non-directory on the way, or a directory at the
     * path, is {@code INVALID_INPUT} naming it, and nothing is written (the layer may come from a checkpoint whose
     * container made any link it liked). {@code NOT_FOUND} when the container has no layer.
     */
    void writeInLayer(ContainerId id, String path, byte[] content);
}

package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Digest;

import java.util.Set;

/** Each container's own writable layer over its image. */
public interface ContainerStorage {
    /** Makes the container's empty upper layer over the image. */
    void prepare(ContainerId id, Digest image);

    /** Removes the layer and everything in it; a no-op when there is none. */
    void release(ContainerId id);

    /** Every container that has a layer, for leak checks and gc. */
    Set<ContainerId> list();
}

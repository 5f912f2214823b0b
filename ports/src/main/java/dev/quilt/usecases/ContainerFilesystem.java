package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.LayerDiff;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Status;
import dev.quilt.ports.ContainerLayers;

import java.io.OutputStream;
import java.util.List;

/**
 * The Engine API's {@code GET /containers/{id}/changes} ({@code docker diff}) and {@code GET /containers/{id}/export}
 * ({@code docker export}): a container's root filesystem against its image, and the whole of it as a tar, read from
 * its layers ({@link ContainerLayers}) whether it is created, running, paused or stopped, as dockerd reads them.
 * A running container's layer is read as it is at that moment (docker neither pauses it). Nothing is mounted, so a
 * crash leaves nothing behind. A container whose record is still being made is a conflict.
 */
public final class ContainerFilesystem {
    private final ContainerLookup lookup;
    private final ContainerLayers layers;

    public ContainerFilesystem(ContainerLookup lookup, ContainerLayers layers) {
        this.lookup = lookup;
        this.layers = layers;
    }

    /** docker diff's list ({@link LayerDiff#changes}). */
    public List<LayerDiff.Change> changes(String ref) {
        Container c = readable(ref);
        return LayerDiff.changes(layers.walk(c.id(), c.spec().root()));
    }

    /** The root filesystem as a tar written to {@code tar}. */
    public void export(String ref, OutputStream tar) {
        Container c = readable(ref);
        layers.export(c.id(), c.spec().root(), tar);
    }

    /** The container, found before anything is written (a refusal is still a clean answer). */
    public Container readable(String ref) {
        Container c = lookup.get(ref);
        if (c.status() == Status.CREATING) {
            throw QuiltException.conflict("container '" + c.displayName() + "' is still being created; try again once"
                    + " it is created");
        }
        return c;
    }
}

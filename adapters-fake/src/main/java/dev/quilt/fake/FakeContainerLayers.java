package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.LayerDiff;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.RootFs;
import dev.quilt.ports.ContainerLayers;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link ContainerLayers} on the fake kernel: a container with a layer ({@link FakeContainerStorage}) has the walk a
 * test gave it with {@link #write} (none: an empty layer). Its export is the fake's stand-in for a tar: one line per
 * entry of the walk that is not a deletion, its path.
 */
public final class FakeContainerLayers implements ContainerLayers {
    private final FakeKernel kernel;
    private final Map<ContainerId, List<LayerDiff.Entry>> walks = new HashMap<>();

    public FakeContainerLayers(FakeKernel kernel) {
        this.kernel = kernel;
    }

    /** What the container's layer holds from now on. */
    public void write(ContainerId id, List<LayerDiff.Entry> walk) {
        synchronized (kernel) {
            walks.put(id, List.copyOf(walk));
        }
    }

    @Override
    public List<LayerDiff.Entry> walk(ContainerId id, RootFs root) {
        kernel.maybeFail("layers.walk");
        synchronized (kernel) {
            if (!kernel.layers().contains(id)) throw QuiltException.notFound("container '" + id.shortForm() + "' has no layer");
            return walks.getOrDefault(id, List.of());
        }
    }

    @Override
    public void export(ContainerId id, RootFs root, OutputStream tar) {
        try {
            for (LayerDiff.Entry e : walk(id, root)) {
                if (!e.deletion()) tar.write((e.path() + "\n").getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Digest;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.ContainerStorage;

import java.util.Set;

public final class FakeContainerStorage implements ContainerStorage {
    private final FakeKernel kernel;
    private final FakeImageStore images;

    public FakeContainerStorage(FakeKernel kernel, FakeImageStore images) {
        this.kernel = kernel;
        this.images = images;
    }

    @Override
    public void prepare(ContainerId id, Digest image) {
        kernel.maybeFail("storage.prepare");
        if (!images.contains(image)) throw QuiltException.notFound("image " + image.shortForm() + " has no rootfs");
        synchronized (kernel) {
            if (!kernel.layers().add(id)) throw new IllegalStateException("layer of " + id + " exists");
        }
    }

    @Override
    public void release(ContainerId id) {
        kernel.maybeFail("storage.release");
        synchronized (kernel) {
            kernel.layers().remove(id);
        }
    }

    @Override
    public Set<ContainerId> list() {
        return kernel.layerSnapshot();
    }
}

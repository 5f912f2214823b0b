package dev.quilt.fake;

import dev.quilt.ports.ContainerLayers;
import dev.quilt.ports.ContainerLayersContract;
import dev.quilt.ports.ContainerStorage;
import dev.quilt.ports.ImageStore;

class FakeContainerLayersTest extends ContainerLayersContract {
    private final FakeKernel kernel = new FakeKernel();
    private final FakeImageStore images = new FakeImageStore(kernel, new FakeClock());
    private final FakeContainerStorage storage = new FakeContainerStorage(kernel, images);
    private final FakeContainerLayers layers = new FakeContainerLayers(kernel);

    @Override
    protected ImageStore images() {
        return images;
    }

    @Override
    protected ContainerStorage storage() {
        return storage;
    }

    @Override
    protected ContainerLayers layers() {
        return layers;
    }
}

package dev.quilt.fake;

import dev.quilt.ports.ContainerStorage;
import dev.quilt.ports.ContainerStorageContract;
import dev.quilt.ports.ImageStore;

class FakeContainerStorageTest extends ContainerStorageContract {
    private final FakeKernel kernel = new FakeKernel();
    private final FakeImageStore images = new FakeImageStore(kernel, new FakeClock());
    private final FakeContainerStorage storage = new FakeContainerStorage(kernel, images);

    @Override
    protected ImageStore images() {
        return images;
    }

    @Override
    protected ContainerStorage storage() {
        return storage;
    }

    @Override
    protected dev.quilt.domain.RootFs.Directory aRootDirectory() {
        return new dev.quilt.domain.RootFs.Directory("/bundle/rootfs");
    }
}

package dev.quilt.fake;

import dev.quilt.ports.ImageStore;
import dev.quilt.ports.ImageStoreContract;

class FakeImageStoreTest extends ImageStoreContract {
    private final FakeImageStore store = new FakeImageStore(new FakeKernel(), new FakeClock());

    @Override
    protected ImageStore store() {
        return store;
    }
}

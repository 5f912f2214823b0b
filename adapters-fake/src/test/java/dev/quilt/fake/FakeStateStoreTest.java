package dev.quilt.fake;

import dev.quilt.ports.StateStore;
import dev.quilt.ports.StateStoreContract;

class FakeStateStoreTest extends StateStoreContract {
    private final FakeStateStore store = new FakeStateStore(new FakeKernel());

    @Override
    protected StateStore store() {
        return store;
    }
}

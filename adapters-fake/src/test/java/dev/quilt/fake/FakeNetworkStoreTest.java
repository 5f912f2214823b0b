package dev.quilt.fake;

import dev.quilt.ports.NetworkStore;
import dev.quilt.ports.NetworkStoreContract;

class FakeNetworkStoreTest extends NetworkStoreContract {
    @Override
    protected NetworkStore store() {
        return new FakeNetworkStore(new FakeKernel());
    }
}

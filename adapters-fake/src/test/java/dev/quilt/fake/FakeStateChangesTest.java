package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.ExitStatus;
import dev.quilt.ports.Activity;
import dev.quilt.ports.StateChanges;
import dev.quilt.ports.StateChangesContract;
import dev.quilt.ports.StateStore;

import java.util.Optional;

class FakeStateChangesTest extends StateChangesContract {
    private final FakeStateStore store = new FakeStateStore(new FakeKernel());
    private final FakeStateChanges changes = new FakeStateChanges(store);
    private final FakeActivity activity = new FakeActivity(store, changes);

    @Override
    protected StateStore store() {
        return store;
    }

    @Override
    protected StateChanges changes() {
        return changes;
    }

    @Override
    protected Activity activity() {
        return activity;
    }

    @Override
    protected void recordExit(Container c, ExitStatus exit) {
        store.recordExit(c.id(), exit, Optional.empty());
    }
}

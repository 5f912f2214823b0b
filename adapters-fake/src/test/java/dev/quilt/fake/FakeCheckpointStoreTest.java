package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.checkpoint.CheckpointManifest;
import dev.quilt.domain.checkpoint.CheckpointName;
import dev.quilt.ports.CheckpointStore;
import dev.quilt.ports.CheckpointStoreContract;

class FakeCheckpointStoreTest extends CheckpointStoreContract {
    private final FakeCheckpointStore store = new FakeCheckpointStore(new FakeKernel());

    @Override
    protected CheckpointStore store() {
        return store;
    }

    @Override
    protected void write(CheckpointStore.Draft draft, String path, byte[] content) {
        store.write(draft.directory().resolve(path), content);
    }

    @Override
    protected void damage(CheckpointStore.Stored s, String path, byte[] content) {
        if (path.equals(CheckpointManifest.MANIFEST) && content == null) store.dropManifest(s);
        else store.damage(s, path, content);
    }

    @Override
    protected void abandonDraft(ContainerId id, CheckpointName name) {
        store.abandonDraft(id, name);
    }
}

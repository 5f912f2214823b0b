package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.ports.Activity;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Activity marks in memory, for containers the store holds; a mark wakes the store's watches, as on Linux. */
public final class FakeActivity implements Activity {
    private final FakeStateStore store;
    private final FakeStateChanges changes;
    private final ConcurrentHashMap<ContainerId, Instant> marks = new ConcurrentHashMap<>();

    public FakeActivity(FakeStateStore store, FakeStateChanges changes) {
        this.store = store;
        this.changes = changes;
    }

    @Override
    public void mark(ContainerId id, Instant at) {
        if (store.read(id).isEmpty()) return;
        marks.merge(id, at, (a, b) -> a.isAfter(b) ? a : b);
        changes.changed();
    }

    @Override
    public Optional<Instant> last(ContainerId id) {
        if (store.read(id).isEmpty()) {
            marks.remove(id);
            return Optional.empty();
        }
        return Optional.ofNullable(marks.get(id));
    }
}

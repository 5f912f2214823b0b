package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerRecord;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.CheckpointStore;
import dev.quilt.ports.StateStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Thaws containers that a {@code checkpoint --leave-running} froze and whose maker died before the thaw (issue 16,
 * docs/ARCHITECTURE.md "What survives a crash"): the draft says its maker froze the container (a container the user
 * had paused is never frozen by a checkpoint, so it is never in such a draft and stays paused); once the maker and
 * its CRIU are both dead ({@link CheckpointStore#abandonedFreezes}), the container is thawed and the draft removed.
 * Run by {@code quilt gc}, the server's supervisor at start, and before the next checkpoint or unpause of the
 * container. Each thaw happens under the container's lock, so a checkpoint in progress is never thawed under it.
 */
public final class ThawAbandonedFreezes {
    private final ContainerLookup lookup;
    private final StateStore state;
    private final CheckpointStore store;
    private final Cgroups cgroups;

    public ThawAbandonedFreezes(ContainerLookup lookup, StateStore state, CheckpointStore store, Cgroups cgroups) {
        this.lookup = lookup;
        this.state = state;
        this.store = store;
        this.cgroups = cgroups;
    }

    /** Every abandoned freeze whose container is not busy with another command: the containers thawed. */
    public List<ContainerId> thawAll() {
        List<ContainerId> thawed = new ArrayList<>();
        for (CheckpointStore.AbandonedFreeze f : store.abandonedFreezes()) {
            Optional<StateStore.Lock> lock;
            try {
                lock = state.tryLock(f.id());
            } catch (QuiltException e) {
                if (e.kind() != QuiltException.Kind.NOT_FOUND) throw e;
                store.release(f); // its container is gone: nothing to thaw
                continue;
            }
            if (lock.isEmpty()) continue; // busy: the next time
            try (StateStore.Lock held = lock.get()) {
                if (thaw(f)) thawed.add(f.id());
            }
        }
        return thawed;
    }

    /**
     * The abandoned freezes of container {@code id}, for a caller that holds its lock (checkpoint) or acts on the
     * user's word (unpause): whether it was thawed.
     */
    public boolean thawLocked(ContainerId id) {
        boolean any = false;
        for (CheckpointStore.AbandonedFreeze f : store.abandonedFreezes()) {
            if (f.id().equals(id)) any |= thaw(f);
        }
        return any;
    }

    private boolean thaw(CheckpointStore.AbandonedFreeze f) {
        Optional<ContainerRecord> r = lookup.record(f.id());
        boolean thawed = false;
        if (r.isPresent() && r.get() instanceof ContainerRecord.Readable readable) {
            Container c = readable.container();
            if (c.status().isLive()) {
                cgroups.thaw(c.id(), Cgroups.pathOf(c.spec()));
                thawed = true;
            }
        }
        store.release(f); // after the thaw: a crash between leaves the draft, and the next run thaws again
        return thawed;
    }
}

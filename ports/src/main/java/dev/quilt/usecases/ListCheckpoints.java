package dev.quilt.usecases;

import dev.quilt.domain.QuiltException;
import dev.quilt.domain.checkpoint.CheckpointRef;
import dev.quilt.ports.CheckpointStore;

import java.util.List;
import java.util.Optional;

/**
 * {@code quilt checkpoint ls [C]}, {@code inspect REF} and {@code rm REF}: the checkpoints on disk, newest first
 * within a container; a damaged one is listed with its problem, never hidden and never the end of the list.
 */
public final class ListCheckpoints {
    private final CheckpointStore store;

    public ListCheckpoints(CheckpointStore store) {
        this.store = store;
    }

    /** Every checkpoint, or those of the container {@code container} names (ID, ID prefix, name at the dump). */
    public List<CheckpointStore.Stored> list(Optional<String> container) {
        List<CheckpointStore.Stored> all = store.list();
        if (container.isEmpty()) return all;
        Optional<CheckpointStore.Stored> any = store.find(new CheckpointRef(container.get(), Optional.empty()));
        return any.map(s -> all.stream().filter(x -> x.id().equals(s.id())).toList()).orElse(List.of());
    }

    /** The checkpoint {@code ref} names ({@code CONTAINER} for its newest, or {@code CONTAINER/NAME}). */
    public CheckpointStore.Stored inspect(String ref) {
        CheckpointRef r = CheckpointRef.parse(ref);
        return store.find(r).orElseThrow(() -> QuiltException.notFound("no checkpoint '" + r
                + "'; see 'quilt checkpoint ls'"));
    }

    /** Removes the checkpoint {@code ref} names; returns it. A damaged one is removed as well. */
    public CheckpointStore.Stored remove(String ref) {
        CheckpointStore.Stored s = inspect(ref);
        store.remove(s);
        return s;
    }

    /** {@code quilt gc}: drafts a crash left (their maker is dead; no manifest was committed); how many. */
    public int sweepDrafts() {
        return store.removeAbandonedDrafts();
    }
}

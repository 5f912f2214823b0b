package dev.quilt.usecases;

import dev.quilt.domain.Digest;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.checkpoint.CheckpointRef;
import dev.quilt.ports.CheckpointStore;
import dev.quilt.ports.ImageStore;

import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * {@code quilt checkpoint ls [C]}, {@code inspect REF} and {@code rm REF}: the checkpoints on disk, newest first
 * within a container; a damaged one is listed with its problem (names and sizes against the manifest, never hashed
 * here: {@link #verify} hashes), never hidden and never the end of the list. References resolve as
 * {@link CheckpointRef#resolve} says, the same rule {@code restore} and the persist policy use.
 */
public final class ListCheckpoints {
    private final CheckpointStore store;
    private final Optional<ContainerLookup> lookup;
    private final Predicate<Digest> imageKnown;

    /**
     * {@code lookup} tells a container that exists but has no checkpoints (an empty list) from a wrong name;
     * {@code images} is where {@link #verify} looks for a checkpoint's image.
     */
    public ListCheckpoints(CheckpointStore store, ContainerLookup lookup, ImageStore images) {
        this.store = store;
        this.lookup = Optional.of(lookup);
        this.imageKnown = d -> images.find(d.value()).isPresent();
    }

    /** A listing that knows no containers nor images: {@link #list} of a name with no checkpoints is refused. */
    public ListCheckpoints(CheckpointStore store) {
        this.store = store;
        this.lookup = Optional.empty();
        this.imageKnown = d -> false;
    }

    /**
     * Every checkpoint, or those of the containers {@code container} names as a reference's container part (ID,
     * every container called so at its dump, unique ID prefix), newest first; checked before anything is printed.
     *
     * @throws QuiltException NOT_FOUND when it names no checkpoints and no container (a container with none lists
     *                        nothing); INVALID_INPUT when it is the start of several IDs
     */
    public List<CheckpointStore.Stored> list(Optional<String> container) {
        if (container.isEmpty()) return store.list();
        String c = container.get();
        new CheckpointRef(c, Optional.empty()); // a '/' or an empty name: refused in the reference's words
        List<CheckpointStore.Stored> mine = store.of(c);
        if (mine.isEmpty() && !isContainer(c)) {
            throw QuiltException.notFound("no container or checkpoints called '" + c + "'; 'quilt checkpoint ls'"
                    + " lists every checkpoint");
        }
        return mine;
    }

    private boolean isContainer(String ref) {
        if (lookup.isEmpty()) return false;
        try {
            lookup.get().resolve(ref);
            return true;
        } catch (QuiltException e) {
            return false;
        }
    }

    /** The checkpoint {@code ref} names ({@code CONTAINER} for its newest, or {@code CONTAINER/NAME}). */
    public CheckpointStore.Stored inspect(String ref) {
        CheckpointRef r = CheckpointRef.parse(ref);
        return store.find(r).orElseThrow(() -> QuiltException.notFound("no checkpoint '" + r
                + "'; see 'quilt checkpoint ls'"));
    }

    /**
     * {@code checkpoint inspect --verify}: the checkpoint {@code ref} names, checked as a restore checks it (every
     * file's size and sha256, CRIU's magic, the digests, the image in the store); refused with the first problem's
     * line ({@code INVALID_INPUT}).
     */
    public CheckpointStore.Verified verify(String ref) {
        return store.verify(inspect(ref), imageKnown);
    }

    /** A reference that names {@code s} alone ({@link CheckpointStore#refOf}), for what is printed. */
    public String refOf(CheckpointStore.Stored s) {
        return store.refOf(s);
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

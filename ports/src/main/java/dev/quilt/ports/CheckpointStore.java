package dev.quilt.ports;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.Digest;
import dev.quilt.domain.checkpoint.CheckpointManifest;
import dev.quilt.domain.checkpoint.CheckpointName;
import dev.quilt.domain.checkpoint.CheckpointRef;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Where checkpoints live: {@code checkpoints/<container id>/<name>/}, each written as a draft in a temp directory
 * beside it and renamed into place with its manifest written last, so a checkpoint is all there or not there
 * (issue 16, item 2). Checkpoints outlive their container: {@code rm} leaves them.
 */
public interface CheckpointStore {
    /**
     * Begins a draft for {@code name} of container {@code id}. Refused (a conflict) when that container already
     * has a checkpoint of that name, before anything is made.
     */
    Draft begin(ContainerId id, CheckpointName name);

    /** A checkpoint being written; {@link #close} without {@link #commit} removes it. */
    interface Draft extends AutoCloseable {
        /** The draft's directory; CRIU writes its images into {@link CheckpointManifest#IMAGES} under it. */
        Path directory();

        /** Writes {@link CheckpointManifest#CONTAINER}, the container's record (spec, endpoint) as it is now. */
        void saveRecord(Container container);

        /**
         * Lists every file of the draft with its size and sha256 into {@code header}'s files (and the record's
         * digest as its spec digest), writes the manifest last, syncs, and renames the draft into place.
         * Returns the stored checkpoint. A conflict when the name was taken meanwhile.
         */
        Stored commit(CheckpointManifest header);

        @Override
        void close();
    }

    /**
     * A checkpoint found on disk. {@code manifest} is empty when there is none or it cannot be read ({@code problem}
     * says which); {@code containerName} comes from the manifest, or from the saved record when the manifest is gone.
     * {@code problem} also holds the first difference between the manifest and the files' names and sizes, found
     * without hashing ({@link dev.quilt.domain.checkpoint.CheckpointCheck#listed}); {@code created} is the manifest's
     * time, or,
     * without one, when the dump saved the record ({@link CheckpointManifest#CONTAINER}'s modification time), so a
     * checkpoint that lost its manifest still sorts where it was taken.
     */
    record Stored(ContainerId id, CheckpointName name, Optional<CheckpointManifest> manifest,
                  Optional<ContainerName> containerName, Optional<String> problem, Instant created) {
        /** A checkpoint whose time is its manifest's (the epoch without one). */
        public Stored(ContainerId id, CheckpointName name, Optional<CheckpointManifest> manifest,
                      Optional<ContainerName> containerName, Optional<String> problem) {
            this(id, name, manifest, containerName, problem, manifest.map(CheckpointManifest::created)
                    .orElse(Instant.EPOCH));
        }

        /**
         * {@code <container name or short id>/<name>}; not unique once several containers had the name:
         * {@link CheckpointStore#refOf} gives one that is, for what Quilt prints.
         */
        public String ref() {
            return containerName.map(ContainerName::value).orElse(id.shortForm()) + "/" + name;
        }

        /** How {@link CheckpointRef#resolve} sees it: its container's ID and name, its own name, its time. */
        public CheckpointRef.Entry entry() {
            return new CheckpointRef.Entry(id, containerName, name, created);
        }
    }

    /** Every checkpoint, newest first within a container; a damaged one is listed with its problem. */
    List<Stored> list();

    /**
     * The checkpoint {@code ref} names ({@link CheckpointRef#resolve}: the container part is an ID, every container
     * called so at the dump, or a unique ID prefix; {@code NAME/CKPT} is the one checkpoint CKPT of those containers,
     * {@code NAME} alone the newest over all of them). Empty when none matches; {@code INVALID_INPUT} naming the IDs
     * when the reference names more than one.
     */
    default Optional<Stored> find(CheckpointRef ref) {
        return ref.resolve(list(), Stored::entry);
    }

    /**
     * The checkpoints of the containers {@code container} names (a reference's container part), newest first; empty
     * when it names none. {@code INVALID_INPUT} when it is the start of several IDs (and no ID or name).
     */
    default List<Stored> of(String container) {
        List<Stored> mine = new ArrayList<>(new CheckpointRef(container, Optional.empty()).containers(list(),
                Stored::entry));
        mine.sort(Comparator.comparing(Stored::entry, CheckpointRef.NEWEST_FIRST));
        return mine;
    }

    /**
     * A reference that names {@code s} and nothing else, for whatever Quilt prints: {@code NAME/CKPT} when that
     * resolves to {@code s}, else {@code <short id>/CKPT}, else {@code <id>/CKPT}.
     */
    default String refOf(Stored s) {
        List<Stored> all = list();
        List<String> forms = new ArrayList<>();
        s.containerName().ifPresent(n -> forms.add(n.value()));
        forms.add(s.id().shortForm());
        for (String container : forms) {
            try {
                CheckpointRef r = new CheckpointRef(container, Optional.of(s.name()));
                Optional<Stored> found = r.resolve(all, Stored::entry);
                if (found.isPresent() && found.get().id().equals(s.id())) return r.toString();
            } catch (dev.quilt.domain.QuiltException ambiguous) {
                // names more than s: the next, more exact form
            }
        }
        return s.id().value() + "/" + s.name();
    }

    /**
     * Checks a checkpoint before a restore ({@link dev.quilt.domain.checkpoint.CheckpointCheck}) and reads its
     * record. Refused with the first problem's line ({@code INVALID_INPUT}), before anything is made.
     */
    Verified verify(Stored checkpoint, Predicate<Digest> imageKnown);

    /** A checkpoint that passed {@link #verify}: its manifest, the container's record, where its files are. */
    record Verified(Stored stored, CheckpointManifest manifest, Container container, Path directory) {
        public Path images() {
            return directory.resolve(CheckpointManifest.IMAGES);
        }

        public Path layer() {
            return directory.resolve(CheckpointManifest.LAYER);
        }
    }

    /** Removes a checkpoint (and its container's directory once it has none); a no-op when it is gone. */
    void remove(Stored checkpoint);

    /** Removes drafts left by a crash (their maker is dead); returns how many. */
    int removeAbandonedDrafts();
}

package dev.quilt.ports;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.Digest;
import dev.quilt.domain.checkpoint.CheckpointManifest;
import dev.quilt.domain.checkpoint.CheckpointName;
import dev.quilt.domain.checkpoint.CheckpointRef;

import java.nio.file.Path;
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
     */
    record Stored(ContainerId id, CheckpointName name, Optional<CheckpointManifest> manifest,
                  Optional<ContainerName> containerName, Optional<String> problem) {
        /** {@code <container name or short id>/<name>}, as users name it. */
        public String ref() {
            return containerName.map(ContainerName::value).orElse(id.shortForm()) + "/" + name;
        }
    }

    /** Every checkpoint, newest first within a container; a damaged one is listed with its problem. */
    List<Stored> list();

    /**
     * The checkpoint {@code ref} names: its container part is matched against the ID, a unique ID prefix, or the
     * container's name at the dump; without a name, that container's newest. Empty when none matches;
     * {@code INVALID_INPUT} when the container part is ambiguous.
     */
    Optional<Stored> find(CheckpointRef ref);

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

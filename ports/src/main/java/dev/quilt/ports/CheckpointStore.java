package dev.quilt.ports;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.Digest;
import dev.quilt.domain.ProcessRef;
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

        /**
         * Records, before the checkpoint freezes its container for {@code --leave-running} (a container the user had
         * not paused), that this draft's maker froze it, so that after a crash of the maker {@link #abandonedFreezes}
         * finds it and the container is thawed ({@code quilt gc}, the next checkpoint or unpause of it). Written
         * atomically and synced; the draft's name carries the maker's pid and start time.
         */
        void freezing();

        /** Adds the dump's CRIU (pid and start time) to the freeze record: a freeze is abandoned only once it is gone. */
        void dumpedBy(ProcessRef criu);

        /** The container is thawed: the freeze record goes (before the commit lists the files). */
        void thawed();

        @Override
        void close();
    }

    /**
     * A draft whose maker and CRIU are both dead and which says its maker froze container {@code id} (see
     * {@link Draft#freezing}); {@code draft} names it for {@link #release}.
     */
    record AbandonedFreeze(ContainerId id, String draft) {}

    /** Every abandoned freeze, of every container. */
    List<AbandonedFreeze> abandonedFreezes();

    /** Removes the draft of an abandoned freeze (after its container was thawed); a no-op when it is gone. */
    void release(AbandonedFreeze freeze);

    /**
     * A restore's shared hold on a checkpoint, from its check until CRIU is done: while any is held,
     * {@link #remove} is refused (issue 16: a removal under a restore made CRIU fail on files that were gone).
     */
    interface Hold extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Takes a shared hold on {@code checkpoint} (several restores, forks, may hold it at once), waiting for a
     * removal in progress to end; {@code NOT_FOUND} when the checkpoint is gone.
     */
    Hold hold(Stored checkpoint);

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

    /**
     * Removes a checkpoint (and its container's directory once it has none); a no-op when it is gone. Refused
     * without waiting ({@code CONFLICT}: "checkpoint X is being restored; try again when it is done") while a restore
     * holds it ({@link #hold}).
     */
    void remove(Stored checkpoint);

    /**
     * Removes drafts left by a crash (their maker is dead); returns how many. A draft that froze its container is
     * left for {@link #abandonedFreezes}: its container is thawed first.
     */
    int removeAbandonedDrafts();
}

package dev.quilt.domain.checkpoint;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.PersistPolicy;
import dev.quilt.domain.QuiltException;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * How a user names a checkpoint: {@code CONTAINER/NAME}, or {@code CONTAINER} alone for that container's newest.
 * {@code CONTAINER} is a container's ID, unique ID prefix or name as it was at the dump (the container itself may
 * be gone: checkpoints outlive it).
 *
 * <p>How a reference resolves ({@link #resolve}): the container part is, first, a container ID; else the name of
 * every container that had it at its dump (a persisted container removed and made again has a new ID and the same
 * name, so one name may stand for several); else a unique ID prefix. {@code NAME/CKPT} is then the one checkpoint
 * {@code CKPT} among those containers (refused, naming the IDs, only when two of them have one); {@code NAME} alone
 * the newest over all of them, by the persist policy's rule ({@link PersistPolicy#newest}), so {@code quilt restore
 * NAME} restores what a persisted create of NAME would.
 */
public record CheckpointRef(String container, Optional<CheckpointName> name) {
    public CheckpointRef {
        if (container == null || container.isEmpty()) {
            throw QuiltException.invalid("checkpoint reference has no container: give CONTAINER or CONTAINER/NAME");
        }
        if (container.contains("/")) {
            throw QuiltException.invalid("invalid checkpoint reference '" + container
                    + "': give CONTAINER or CONTAINER/NAME");
        }
    }

    /** {@code web} or {@code web/before-upgrade}. */
    public static CheckpointRef parse(String ref) {
        if (ref == null || ref.isEmpty()) {
            throw QuiltException.invalid("checkpoint reference is empty: give CONTAINER or CONTAINER/NAME");
        }
        int slash = ref.indexOf('/');
        if (slash < 0) return new CheckpointRef(ref, Optional.empty());
        if (slash == 0 || slash == ref.length() - 1 || ref.indexOf('/', slash + 1) >= 0) {
            throw QuiltException.invalid("invalid checkpoint reference '" + ref + "': give CONTAINER or CONTAINER/NAME");
        }
        return new CheckpointRef(ref.substring(0, slash), Optional.of(new CheckpointName(ref.substring(slash + 1))));
    }

    /** A checkpoint as resolution sees it: its container's ID and name at the dump, its own name, its time. */
    public record Entry(ContainerId id, Optional<ContainerName> containerName, CheckpointName name, Instant created) {}

    /** Newest first: later {@code created}, then (ties) the later checkpoint name, then the later ID. */
    public static final Comparator<Entry> NEWEST_FIRST = PersistPolicy.<Entry>newestLast(Entry::created,
            e -> e.name().value()).thenComparing(e -> e.id().value()).reversed();

    /**
     * The checkpoints among {@code all} ({@code view} says what each is) whose container this reference's container
     * part names: those of the container with that ID; else of every container called so at its dump; else of the
     * one container whose ID begins so. Empty when it names none.
     *
     * @throws QuiltException INVALID_INPUT naming the IDs when it is only the start of several containers' IDs
     */
    public <T> List<T> containers(List<T> all, Function<T, Entry> view) {
        List<T> byId = all.stream().filter(t -> view.apply(t).id().value().equals(container)).toList();
        if (!byId.isEmpty()) return byId;
        List<T> named = all.stream().filter(t -> view.apply(t).containerName().map(n -> n.value().equals(container))
                .orElse(false)).toList();
        if (!named.isEmpty()) return named;
        List<T> prefixed = all.stream().filter(t -> view.apply(t).id().value().startsWith(container)).toList();
        List<ContainerId> ids = prefixed.stream().map(t -> view.apply(t).id()).distinct().toList();
        if (ids.size() > 1) {
            throw QuiltException.invalid("'" + container + "' is the start of the IDs of " + ids.size()
                    + " checkpointed containers (" + shortForms(ids) + "); give more of the ID");
        }
        return prefixed;
    }

    /**
     * The one checkpoint this reference names among {@code all}: with a name, the checkpoint of that name among the
     * {@link #containers} named; without, the newest of all of theirs ({@link #NEWEST_FIRST}). Empty when none.
     *
     * @throws QuiltException INVALID_INPUT naming the IDs when several of those containers have a checkpoint of
     *                        that name, or the container part is an ambiguous ID prefix
     */
    public <T> Optional<T> resolve(List<T> all, Function<T, Entry> view) {
        List<T> mine = containers(all, view);
        if (name.isEmpty()) return mine.stream().min(Comparator.comparing(view, NEWEST_FIRST));
        List<T> hits = mine.stream().filter(t -> view.apply(t).name().equals(name.get())).toList();
        if (hits.size() > 1) {
            List<ContainerId> ids = hits.stream().map(t -> view.apply(t).id()).distinct().toList();
            throw QuiltException.invalid("'" + this + "' names checkpoints of " + ids.size() + " containers ("
                    + shortForms(ids) + "); give the ID instead of the name: ID/" + name.get());
        }
        return hits.stream().findFirst();
    }

    private static String shortForms(List<ContainerId> ids) {
        return String.join(", ", ids.stream().map(ContainerId::shortForm).toList());
    }

    @Override
    public String toString() {
        return name.map(n -> container + "/" + n).orElse(container);
    }
}

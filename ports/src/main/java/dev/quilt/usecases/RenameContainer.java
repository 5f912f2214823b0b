package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ContainerRecord;
import dev.quilt.domain.NoSuchContainerException;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.StateStore;

import java.util.Optional;

/**
 * The Engine API's {@code POST /containers/{id}/rename?name=NEW} ({@code docker rename}, moby's
 * {@code daemon/rename.go}): gives a created, running, paused or stopped container another name, which must be free
 * (a conflict naming its holder) and valid ({@link ContainerName#of}: invalid input). The same name again is
 * invalid input, as dockerd says ("Renaming a container with the same name as its current name"). An OCI bundle's
 * container is refused: its name is the ID its runtime caller knows it by.
 *
 * <p>Crash safety: under the container's lock, three steps, each atomic on its own: (1) the new name is claimed in
 * the name index ({@link StateStore#claimName}: one symlink made), (2) the record is saved with it (temp, fsync,
 * rename), (3) the old name is released (one unlink). A crash after (1) leaves the record with its old name and an
 * extra claim of the new one; after (2), the new name in the record and an extra claim of the old one. Either way
 * the record is whole and the container shows the name its record holds ({@link ContainerLookup} counts a claim
 * only when the record it points at holds that name, so the extra one finds nothing); the extra claim is cleaned
 * by the container's removal (every name pointing at it is released), or taken over by the next rename to it
 * (which frees a claim whose holder's record does not hold it); until then a create of that name is refused.
 */
public final class RenameContainer {
    /** What a rename did: the container as it is now, and the name it had (none for a nameless one). */
    public record Renamed(Container container, Optional<ContainerName> oldName) {}

    private final ContainerLookup lookup;
    private final StateStore state;

    public RenameContainer(ContainerLookup lookup, StateStore state) {
        this.lookup = lookup;
        this.state = state;
    }

    public Renamed rename(String ref, String newName) {
        if (newName == null || newName.isEmpty()) {
            throw QuiltException.invalid("Neither old nor new names may be empty: give the new name");
        }
        ContainerName name = ContainerName.of(newName.startsWith("/") ? newName.substring(1) : newName);
        ContainerId id = lookup.resolve(ref);
        try (StateStore.Lock lock = state.lock(id)) {
            Container stored = state.load(id).orElseThrow(() -> new NoSuchContainerException(ref,
                    "container '" + ref + "' was removed meanwhile"));
            if (stored.spec().bundle().isPresent()) {
                throw QuiltException.conflict("container " + stored.displayName() + " was made from an OCI bundle;"
                        + " its name is the ID its runtime's caller knows it by, and is not renamed");
            }
            Optional<ContainerName> old = lookup.observe(stored).name();
            if (old.equals(Optional.of(name))) {
                throw QuiltException.invalid("Renaming a container with the same name as its current name");
            }
            Optional<ContainerId> holder = state.byName(name);
            if (holder.isPresent() && !holder.get().equals(id)) {
                if (holds(holder.get(), name)) throw QuiltException.conflict(inUse(name, holder.get()));
                state.releaseName(name, holder.get()); // left by a rename cut short: its record does not hold it
            }
            if (holder.isEmpty() || !holder.get().equals(id)) state.claimName(name, id);
            Container renamed = stored.named(Optional.of(name));
            try {
                state.save(renamed);
            } catch (RuntimeException e) {
                state.releaseName(name, id);
                throw e;
            }
            old.ifPresent(n -> state.releaseName(n, id));
            return new Renamed(lookup.observe(renamed), old);
        }
    }

    /** dockerd's words for a name in use (moby's {@code reserveName}). */
    public static String inUse(ContainerName name, ContainerId holder) {
        return "Conflict. The container name \"/" + name + "\" is already in use by container \"" + holder.value()
                + "\". You have to remove (or rename) that container to be able to reuse that name.";
    }

    /** Whether {@code id}'s record holds {@code name}; a broken record is taken to (it cannot say). */
    private boolean holds(ContainerId id, ContainerName name) {
        Optional<ContainerRecord> r = state.read(id);
        if (r.isEmpty()) return false;
        return !(r.get() instanceof ContainerRecord.Readable ok) || ok.container().name().equals(Optional.of(name));
    }
}

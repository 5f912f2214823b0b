package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.ContainerStorage;
import dev.quilt.ports.StateStore;

/** Removes a container that no longer runs: its layer, its name, its record. */
public final class RemoveContainer {
    private final StateStore state;
    private final ContainerStorage storage;

    public RemoveContainer(StateStore state, ContainerStorage storage) {
        this.state = state;
        this.storage = storage;
    }

    public void remove(ContainerId id) {
        Container c = state.load(id).orElseThrow(() -> QuiltException.notFound(
                "no container '" + id.shortForm() + "'; 'quilt ps -a' lists them"));
        if (!c.status().canDelete()) {
            throw QuiltException.conflict("container '" + c.displayName() + "' is " + c.status().word()
                    + "; stop it first");
        }
        forget(id);
    }

    /** Removes every trace, whatever state the record is in; each step is idempotent. */
    void forget(ContainerId id) {
        storage.release(id);
        state.remove(id);
    }
}

package dev.quilt.usecases;

import dev.quilt.domain.ContainerId;
import dev.quilt.ports.ContainerStorage;
import dev.quilt.ports.StateStore;

/** Removes every trace of a container that no longer runs; each step is idempotent, so it may be repeated. */
public final class Forget {
    private final StateStore state;
    private final ContainerStorage storage;

    public Forget(StateStore state, ContainerStorage storage) {
        this.state = state;
        this.storage = storage;
    }

    /** Storage first, record last: a crash half-way leaves a record that points at what is left. */
    public void everything(ContainerId id) {
        storage.release(id);
        state.remove(id);
    }
}

package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Status;
import dev.quilt.ports.ContainerProcesses;

/** {@code quilt kill ID [SIGNAL]}: a container that has already exited is success, as in runc. */
public final class KillContainer {
    private final ContainerLookup lookup;
    private final ContainerProcesses processes;

    public KillContainer(ContainerLookup lookup, ContainerProcesses processes) {
        this.lookup = lookup;
        this.processes = processes;
    }

    public Container kill(String ref, String signal) {
        int number = processes.signalNumber(signal);
        Container c = lookup.get(ref);
        if (c.status() == Status.CREATING && c.init().isEmpty()) {
            throw QuiltException.conflict("container '" + c.displayName() + "' is being created; nothing to signal yet");
        }
        if (c.status().canKill()) processes.signal(c.init().orElseThrow(), number);
        return c;
    }
}

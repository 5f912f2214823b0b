package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Status;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.ContainerProcesses;

/**
 * {@code quilt kill ID [SIGNAL]}: a container that has already exited is success, as in runc.
 * A paused container gets the signal too; with SIGKILL it is thawed as well, as runc 1.1
 * does ({@code libcontainer}'s {@code Signal}): a task frozen by cgroup v1's freezer dies
 * of SIGKILL only once thawed (v2 lets a fatal signal through; thawing costs nothing there).
 * Other signals wait, pending, until {@code resume}.
 */
public final class KillContainer {
    private final ContainerLookup lookup;
    private final ContainerProcesses processes;
    private final Cgroups cgroups;

    public KillContainer(ContainerLookup lookup, ContainerProcesses processes, Cgroups cgroups) {
        this.lookup = lookup;
        this.processes = processes;
        this.cgroups = cgroups;
    }

    public Container kill(String ref, String signal) {
        int number = processes.signalNumber(signal);
        Container c = lookup.get(ref);
        if (c.status() == Status.CREATING && c.init().isEmpty()) {
            throw QuiltException.conflict("container '" + c.displayName() + "' is being created; nothing to signal yet");
        }
        if (c.status().canKill()) processes.signal(c.init().orElseThrow(), number);
        if (c.status() == Status.PAUSED && number == processes.sigkill()) cgroups.thaw(c.id(), Cgroups.pathOf(c.spec()));
        return c;
    }

    /**
     * runc's {@code kill --all}: the signal to every process in the container's cgroup, not only its init
     * (an exec'd process, what the init forked). A stopped container is success, as {@link #kill}.
     */
    public Container killAll(String ref, String signal) {
        int number = processes.signalNumber(signal);
        Container c = lookup.get(ref);
        if (c.status() == Status.CREATING && c.init().isEmpty()) {
            throw QuiltException.conflict("container '" + c.displayName() + "' is being created; nothing to signal yet");
        }
        if (c.status().canKill()) cgroups.signalAll(c.id(), Cgroups.pathOf(c.spec()), number);
        return c;
    }
}

package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Status;
import dev.quilt.ports.Cgroups;

import java.time.Duration;

/**
 * {@code quilt pause} / {@code quilt-runc pause}: freezes every process of a
 * running container with its cgroup's freezer; {@code state} then says
 * {@code paused}. Only a running container: a created one is refused as docker
 * refuses it (runc would freeze it), a paused one is already paused.
 */
public final class PauseContainer {
    /** How long the kernel may take to say the cgroup is frozen (a task stuck in D state holds it up). */
    public static final Duration DEADLINE = Duration.ofSeconds(10);

    private final ContainerLookup lookup;
    private final Cgroups cgroups;

    public PauseContainer(ContainerLookup lookup, Cgroups cgroups) {
        this.lookup = lookup;
        this.cgroups = cgroups;
    }

    /** The container, paused. */
    public Container pause(String ref) {
        Container c = lookup.get(ref);
        if (c.status() == Status.PAUSED) {
            throw QuiltException.conflict("container '" + c.displayName() + "' is already paused");
        }
        if (!c.status().canPause()) {
            throw QuiltException.conflict("container '" + c.displayName() + "' is " + c.status().word()
                    + ", not running; only a running container can be paused");
        }
        cgroups.freeze(c.id(), Cgroups.pathOf(c.spec()), DEADLINE);
        return c.paused();
    }
}

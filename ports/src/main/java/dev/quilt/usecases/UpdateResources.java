package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ResourceUpdate;
import dev.quilt.ports.Cgroups;

/**
 * {@code quilt-runc update} (and {@code quilt update}): changes the limits of a
 * created, running or paused container's cgroup, as {@code runc update} does.
 * A stopped container is refused, as runc refuses it; so is an empty change.
 * The record keeps the limits the container was created with ({@code inspect}
 * shows those); the cgroup holds the new ones ({@code stats} reads them).
 */
public final class UpdateResources {
    private final ContainerLookup lookup;
    private final Cgroups cgroups;

    public UpdateResources(ContainerLookup lookup, Cgroups cgroups) {
        this.lookup = lookup;
        this.cgroups = cgroups;
    }

    public Container update(String ref, ResourceUpdate change) {
        if (change.isEmpty()) {
            throw QuiltException.invalid("nothing to update: give --resources FILE, or a limit such as --memory or --pids-limit");
        }
        Container c = lookup.get(ref);
        if (!c.status().isLive()) {
            throw QuiltException.conflict("container '" + c.displayName() + "' is " + c.status().word()
                    + "; only a created, running or paused container's limits can be changed");
        }
        cgroups.update(c.id(), Cgroups.pathOf(c.spec()), change);
        return c;
    }
}

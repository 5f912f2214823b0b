package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ResourceUpdate;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.StateStore;

/**
 * {@code quilt-runc update}, {@code quilt update} and the API's {@code POST /containers/{id}/update}: changes the
 * limits of a created, running or paused container's cgroup, as {@code runc update} does. A stopped container is
 * refused, as runc refuses it; so is an empty change. The record then takes the new limits too, under the
 * container's lock (docker's update changes the container's {@code HostConfig}, so {@code inspect} shows them, and
 * a start again applies them): the cgroup is written first, so a crash between the two leaves a readable record
 * with the old limits and a cgroup with the new ones, which the next update or start again sets right.
 */
public final class UpdateResources {
    private final ContainerLookup lookup;
    private final Cgroups cgroups;
    private final StateStore state;

    public UpdateResources(ContainerLookup lookup, Cgroups cgroups, StateStore state) {
        this.lookup = lookup;
        this.cgroups = cgroups;
        this.state = state;
    }

    public Container update(String ref, ResourceUpdate change) {
        if (change.isEmpty()) {
            throw QuiltException.invalid("nothing to update: give --resources FILE, or a limit such as --memory or --pids-limit");
        }
        Container c = lookup.get(ref);
        try (StateStore.Lock lock = state.lock(c.id())) {
            Container now = lookup.observe(c.id()).orElseThrow(() -> new dev.quilt.domain.NoSuchContainerException(ref,
                    "container '" + ref + "' was removed meanwhile"));
            if (!now.status().isLive()) {
                throw QuiltException.conflict("container '" + now.displayName() + "' is " + now.status().word()
                        + "; only a created, running or paused container's limits can be changed");
            }
            // refused before the cgroup is touched: limits the kernel would refuse
            dev.quilt.domain.Resources next = now.spec().resources().checkedUpdate(change);
            cgroups.update(now.id(), Cgroups.pathOf(now.spec()), change);
            Container stored = state.load(now.id()).orElseThrow();
            Container updated = stored.withSpec(stored.spec().withResources(next));
            state.save(updated);
            return lookup.observe(updated);
        }
    }
}

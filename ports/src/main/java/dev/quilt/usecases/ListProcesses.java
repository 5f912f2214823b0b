package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.ports.Cgroups;

import java.util.List;

/**
 * {@code quilt-runc ps}: the host pids of every process in a container's cgroup,
 * ascending, as runc lists them ({@code libcontainer}'s {@code Processes}). A
 * stopped container whose cgroup is still there lists what is left in it (nothing,
 * normally); one without a cgroup lists nothing.
 */
public final class ListProcesses {
    private final ContainerLookup lookup;
    private final Cgroups cgroups;

    public ListProcesses(ContainerLookup lookup, Cgroups cgroups) {
        this.lookup = lookup;
        this.cgroups = cgroups;
    }

    public record Listing(Container container, List<Integer> pids) {}

    public Listing of(String ref) {
        Container c = lookup.get(ref);
        return new Listing(c, cgroups.pids(c.id(), Cgroups.pathOf(c.spec())));
    }
}

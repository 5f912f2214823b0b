package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.NoSuchContainerException;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ResourceUsage;
import dev.quilt.domain.Status;
import dev.quilt.ports.Cgroups;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code quilt stats}: what each container's cgroup has counted. Without
 * names, every running or paused container; a named container that has no cgroup any
 * more (removed, or collected after it stopped) is an error.
 */
public final class ContainerStats {
    private final ContainerLookup lookup;
    private final Cgroups cgroups;

    public ContainerStats(ContainerLookup lookup, Cgroups cgroups) {
        this.lookup = lookup;
        this.cgroups = cgroups;
    }

    public record Entry(Container container, ResourceUsage usage) {}

    public List<Entry> of(List<String> refs) {
        List<Entry> out = new ArrayList<>();
        if (refs.isEmpty()) {
            for (Container c : lookup.all()) {
                if (c.status() != Status.RUNNING && c.status() != Status.PAUSED) continue;
                cgroups.usage(c.id(), Cgroups.pathOf(c.spec())).ifPresent(u -> out.add(new Entry(c, u)));
            }
            return out;
        }
        for (String ref : refs) {
            ContainerId id = lookup.resolve(ref);
            Container c = lookup.observe(id).orElseThrow(() -> new NoSuchContainerException(ref, "no container '" + ref + "'"));
            Optional<ResourceUsage> u = cgroups.usage(id, Cgroups.pathOf(c.spec()));
            if (u.isEmpty()) {
                throw QuiltException.conflict("container '" + c.displayName() + "' is " + c.status().word()
                        + " and has no cgroup left to read (gc removes those of stopped containers)");
            }
            out.add(new Entry(c, u.get()));
        }
        return out;
    }
}

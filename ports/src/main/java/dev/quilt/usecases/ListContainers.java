package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.Status;

import java.util.List;

/** {@code quilt ps [-a]}: the live ones, or all of them, as they are now. */
public final class ListContainers {
    private final ContainerLookup lookup;

    public ListContainers(ContainerLookup lookup) {
        this.lookup = lookup;
    }

    public List<Container> list(boolean all) {
        return lookup.all().stream().filter(c -> all || c.status() != Status.STOPPED).toList();
    }
}

package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.Cgroups;

/**
 * {@code quilt unpause} / {@code quilt-runc resume}: thaws a paused container's
 * cgroup, and it runs on where it stopped. Anything not paused is refused, as
 * runc ("container not paused") and docker refuse it.
 */
public final class ResumeContainer {
    private final ContainerLookup lookup;
    private final Cgroups cgroups;

    public ResumeContainer(ContainerLookup lookup, Cgroups cgroups) {
        this.lookup = lookup;
        this.cgroups = cgroups;
    }

    /** The container, running again. */
    public Container resume(String ref) {
        Container c = lookup.get(ref);
        if (!c.status().canResume()) {
            throw QuiltException.conflict("container '" + c.displayName() + "' is " + c.status().word()
                    + ", not paused; there is nothing to resume");
        }
        cgroups.thaw(c.id(), Cgroups.pathOf(c.spec()));
        return c.resumed();
    }
}

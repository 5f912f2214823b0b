package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.Cgroups;

/**
 * {@code quilt unpause} / {@code quilt-runc resume}: thaws a paused container's
 * cgroup, and it runs on where it stopped. Anything not paused is refused, as
 * runc ("container not paused") and docker refuse it. A container frozen by a checkpoint that was killed before it
 * thawed it shows as paused, and unpause thaws it the same way ({@link ThawAbandonedFreezes}).
 */
public final class ResumeContainer {
    private final ContainerLookup lookup;
    private final Cgroups cgroups;
    private final java.util.Optional<ThawAbandonedFreezes> abandoned;

    public ResumeContainer(ContainerLookup lookup, Cgroups cgroups) {
        this.lookup = lookup;
        this.cgroups = cgroups;
        this.abandoned = java.util.Optional.empty();
    }

    /** With {@code abandoned}: an unpause also removes the draft of a killed checkpoint that had frozen it. */
    public ResumeContainer(ContainerLookup lookup, Cgroups cgroups, ThawAbandonedFreezes abandoned) {
        this.lookup = lookup;
        this.cgroups = cgroups;
        this.abandoned = java.util.Optional.of(abandoned);
    }

    /** The container, running again. */
    public Container resume(String ref) {
        Container c = lookup.get(ref);
        if (!c.status().canResume()) {
            throw QuiltException.conflict("container '" + c.displayName() + "' is " + c.status().word()
                    + ", not paused; there is nothing to resume");
        }
        cgroups.thaw(c.id(), Cgroups.pathOf(c.spec()));
        // a checkpoint killed while it held the container frozen: its draft goes with the thaw the user asked for
        abandoned.ifPresent(a -> a.thawLocked(c.id()));
        return c.resumed();
    }
}

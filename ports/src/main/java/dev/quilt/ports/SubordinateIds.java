package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.UserNamespace;

/**
 * The host ids a container's user namespace maps to. {@code --userns auto}
 * takes a range of the user {@code containers}'s subordinate ids that no other
 * container holds, under one lock for the root; the range is held as long as
 * the container's record lives, and goes back when it is removed.
 */
public interface SubordinateIds {
    /**
     * What {@code requested} is for container {@code id}: {@link UserNamespace.Auto}
     * becomes the {@link UserNamespace.Mapped} range now held by {@code id}; any other
     * is returned as it is. Throws an invalid-input error naming the line to add
     * when there are no subordinate ids, and a conflict when none are free.
     */
    UserNamespace take(ContainerId id, UserNamespace requested);
}

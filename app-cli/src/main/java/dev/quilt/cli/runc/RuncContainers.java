package dev.quilt.cli.runc;

import dagger.Lazy;
import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.Privileges;
import dev.quilt.usecases.ContainerLookup;

import javax.inject.Inject;
import java.util.Optional;

/**
 * runc's container IDs over Quilt's containers: a runc ID is the container's name in the state root
 * {@code --root} names (never an ID prefix, as {@code quilt} would also try), checked against runc's rule.
 */
final class RuncContainers {
    private final Lazy<ContainerLookup> lookup;
    private final Privileges privileges;
    private final dev.quilt.cli.Invocation invocation;

    @Inject
    RuncContainers(Lazy<ContainerLookup> lookup, Privileges privileges, dev.quilt.cli.Invocation invocation) {
        this.lookup = lookup;
        this.privileges = privileges;
        this.invocation = invocation;
    }

    /** Who runs this verb: its environment, working directory, fds and signals. */
    dev.quilt.cli.Invocation invocation() {
        return invocation;
    }

    /** runc's rule for an ID, or the one line saying what it is. */
    static ContainerName name(String id) {
        return ContainerName.runc(id);
    }

    /** The Quilt container under runc ID {@code id}, if there is one. */
    Optional<ContainerId> find(String id) {
        return lookup.get().named(name(id));
    }

    /** As {@link #find}, or runc's {@code container "x" does not exist} (NOT_FOUND). */
    ContainerId require(String id) {
        return find(id).orElseThrow(() -> notFound(id));
    }

    /** The container as it is now (its exit noticed, its pid checked with its start time). */
    Container observe(String id) {
        return lookup.get().observe(require(id)).orElseThrow(() -> notFound(id));
    }

    static QuiltException notFound(String id) {
        return QuiltException.notFound("container \"" + id + "\" does not exist");
    }

    /** Every verb that makes, changes or reads a container's processes runs as root, as runc without --rootless. */
    void requireRoot(String verb) {
        if (!privileges.isRoot()) {
            throw new QuiltException(QuiltException.Kind.PERMISSION,
                    "'quilt-runc " + verb + "' must be run as root (rootless mode is not supported)");
        }
    }
}

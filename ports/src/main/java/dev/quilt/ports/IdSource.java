package dev.quilt.ports;

import dev.quilt.domain.ContainerId;

/** New container IDs. */
@FunctionalInterface
public interface IdSource {
    ContainerId newId();
}

package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.ports.IdSource;

/** c000001, c000002, ... */
public final class SequentialIds implements IdSource {
    private int next = 1;

    @Override
    public synchronized ContainerId newId() {
        return ContainerId.of(String.format("c%06d", next++));
    }
}

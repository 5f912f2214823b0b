package dev.quilt.usecases;

import dev.quilt.domain.ContainerRecord;
import dev.quilt.domain.Status;

import java.util.List;

/**
 * {@code quilt ps [-a]}: the live ones, or all of them, as they are now. Broken
 * records are always listed: nobody can tell whether they still run, and only
 * {@code rm -f} or {@code gc} gets rid of them.
 */
public final class ListContainers {
    private final ContainerLookup lookup;

    public ListContainers(ContainerLookup lookup) {
        this.lookup = lookup;
    }

    public List<ContainerRecord> list(boolean all) {
        return lookup.records().stream().filter(r -> all || !(r instanceof ContainerRecord.Readable ok)
                || ok.container().status() != Status.STOPPED).toList();
    }
}

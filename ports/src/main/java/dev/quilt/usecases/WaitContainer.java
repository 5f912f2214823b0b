package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Status;
import dev.quilt.ports.ContainerProcesses;

import java.time.Duration;
import java.util.Optional;

/** {@code quilt wait}: blocks on the exit event, then answers with the exit code. */
public final class WaitContainer {
    private final ContainerLookup lookup;
    private final ContainerProcesses processes;

    public WaitContainer(ContainerLookup lookup, ContainerProcesses processes) {
        this.lookup = lookup;
        this.processes = processes;
    }

    public ExitStatus await(String ref) {
        return await(lookup.get(ref), Optional.empty()).orElseThrow();
    }

    /** Empty only at the deadline. */
    Optional<ExitStatus> await(Container c, Optional<Duration> deadline) {
        Container stopped = c;
        if (c.status() != Status.STOPPED) {
            if (c.monitor().isEmpty()) {
                throw QuiltException.conflict("container '" + c.displayName() + "' is being created; wait for it after");
            }
            ContainerProcesses.WaitOutcome outcome = processes.awaitExit(c.id(), c.monitor().get(), deadline);
            if (outcome instanceof ContainerProcesses.TimedOut) return Optional.empty();
            stopped = lookup.observe(c.id()).orElseThrow(() -> QuiltException.notFound(
                    "container '" + c.displayName() + "' was removed while we waited"));
        }
        String name = c.displayName();
        return Optional.of(stopped.exit().orElseThrow(() -> new QuiltException(QuiltException.Kind.SYSTEM,
                "the exit code of container '" + name + "' is lost: its monitor was killed")));
    }
}

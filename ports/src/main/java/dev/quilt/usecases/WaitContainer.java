package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Status;
import dev.quilt.ports.ContainerProcesses;
import dev.quilt.ports.ExitUnknownException;

import java.time.Duration;
import java.util.Optional;

/**
 * {@code quilt wait}: blocks on the exit event, then answers with the exit
 * code. A container whose monitor was killed is waited for through its init;
 * its code is then unknown, which is {@link ExitUnknownException}, never a
 * made-up number.
 */
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
        boolean killedFirst = false;
        if (c.status() != Status.STOPPED) {
            if (c.monitor().isEmpty()) {
                throw QuiltException.conflict("container '" + c.displayName() + "' is being created; wait for it after");
            }
            ContainerProcesses.WaitOutcome outcome = processes.awaitExit(c.id(), c.monitor().get(), c.init(), deadline);
            if (outcome instanceof ContainerProcesses.TimedOut) return Optional.empty();
            killedFirst = outcome instanceof ContainerProcesses.MonitorGone g && g.initOutlivedMonitor();
            stopped = lookup.observe(c.id()).orElseThrow(() -> new dev.quilt.domain.NoSuchContainerException(
                    c.displayName(), "container '" + c.displayName() + "' was removed while we waited"));
        }
        if (stopped.exit().isPresent()) return stopped.exit();
        throw new ExitUnknownException("container '" + c.displayName() + "' has exited, but its exit code is unknown: "
                + (killedFirst ? "its monitor had been killed" : "its monitor ended without recording it"));
    }
}

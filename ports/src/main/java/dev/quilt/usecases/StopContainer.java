package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.ContainerProcesses;
import dev.quilt.ports.ExitUnknownException;

import java.time.Duration;
import java.util.Optional;

/**
 * {@code quilt stop [-t SECONDS]}: SIGTERM, and SIGKILL at the deadline if it
 * is still there. Both go to the init through a pidfd, so a container whose
 * monitor was killed is stopped all the same; it is then stopped with no
 * known exit code (empty), which is still a stop that worked. A paused container
 * gets its SIGTERM and is then thawed, so it can act on it within the grace
 * period as a running one would (docker stops a paused container too).
 */
public final class StopContainer {
    private final ContainerLookup lookup;
    private final ContainerProcesses processes;
    private final WaitContainer waiter;
    private final Cgroups cgroups;

    public StopContainer(ContainerLookup lookup, ContainerProcesses processes, WaitContainer waiter, Cgroups cgroups) {
        this.lookup = lookup;
        this.processes = processes;
        this.waiter = waiter;
        this.cgroups = cgroups;
    }

    public Optional<ExitStatus> stop(String ref, Duration grace) {
        if (grace.isNegative()) throw QuiltException.invalid("the stop timeout must not be negative");
        Container c = lookup.get(ref);
        if (!c.status().canKill()) return c.exit();
        try {
            processes.signal(c.init().orElseThrow(), processes.sigterm());
            if (c.status() == dev.quilt.domain.Status.PAUSED) cgroups.thaw(c.id(), Cgroups.pathOf(c.spec()));
            Optional<ExitStatus> exit = waiter.await(c, Optional.of(grace));
            if (exit.isPresent()) return exit;
            processes.signal(c.init().orElseThrow(), processes.sigkill());
            return waiter.await(c, Optional.empty());
        } catch (ExitUnknownException e) {
            return Optional.empty();
        }
    }
}

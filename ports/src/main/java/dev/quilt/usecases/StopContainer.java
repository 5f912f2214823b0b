package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.ContainerProcesses;

import java.time.Duration;
import java.util.Optional;

/** {@code quilt stop [-t SECONDS]}: SIGTERM, and SIGKILL at the deadline if it is still there. */
public final class StopContainer {
    private final ContainerLookup lookup;
    private final ContainerProcesses processes;
    private final WaitContainer waiter;

    public StopContainer(ContainerLookup lookup, ContainerProcesses processes, WaitContainer waiter) {
        this.lookup = lookup;
        this.processes = processes;
        this.waiter = waiter;
    }

    public Optional<ExitStatus> stop(String ref, Duration grace) {
        if (grace.isNegative()) throw QuiltException.invalid("the stop timeout must not be negative");
        Container c = lookup.get(ref);
        if (!c.status().canKill()) return c.exit();
        processes.signal(c.init().orElseThrow(), processes.sigterm());
        Optional<ExitStatus> exit = waiter.await(c, Optional.of(grace));
        if (exit.isPresent()) return exit;
        processes.signal(c.init().orElseThrow(), processes.sigkill());
        return waiter.await(c, Optional.empty());
    }
}

package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.HealthCheck;
import dev.quilt.domain.HealthResult;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Status;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.Clock;
import dev.quilt.ports.ContainerExec;
import dev.quilt.ports.SpawnFailedException;
import dev.quilt.ports.StateStore;

import java.time.Duration;
import java.time.Instant;

/**
 * Runs a container's health check once, inside it as an exec, and records the
 * result and the health it leads to. {@code quilt health} calls it now; the
 * readiness chain calls it until it passes.
 */
public final class CheckHealth {
    private final ContainerLookup lookup;
    private final StateStore state;
    private final Cgroups cgroups;
    private final ContainerExec exec;
    private final Clock clock;

    public CheckHealth(ContainerLookup lookup, StateStore state, Cgroups cgroups, ContainerExec exec, Clock clock) {
        this.lookup = lookup;
        this.state = state;
        this.cgroups = cgroups;
        this.exec = exec;
        this.clock = clock;
    }

    /** The container after the check, with the check's own result. */
    public record Outcome(Container container, HealthResult result) {}

    /** {@code quilt health ID}: the check, now, with its own timeout. */
    public Outcome now(String ref) {
        Container c = lookup.get(ref);
        HealthCheck check = c.spec().health().orElseThrow(() -> QuiltException.invalid("container '" + c.displayName()
                + "' has no health check; give one with --health-check CMD when you create it"));
        if (c.status() != Status.RUNNING || c.init().isEmpty()) throw notRunning(c, c.status());
        try {
            return once(c, target(c), check.timeout());
        } catch (SpawnFailedException e) {
            if (!e.initGone()) throw e;
            throw notRunning(c, Status.STOPPED); // it ended as the check joined it
        }
    }

    private static QuiltException notRunning(Container c, Status s) {
        return QuiltException.conflict("container '" + c.displayName() + "' is " + s.word()
                + "; a health check needs a running one");
    }

    /** Where a check of {@code c} runs: its init's namespaces and its cgroup. */
    ContainerExec.Target target(Container c) {
        return new ContainerExec.Target(c.init().orElseThrow(), ExecInContainer.namespacesOf(c.spec()), cgroups.placement(c.id(), Cgroups.pathOf(c.spec())), c.id(),
                c.spec().security());
    }

    /** One run in {@code target}, killed at {@code timeout}; the result is saved to the container's record. */
    Outcome once(Container c, ContainerExec.Target target, Duration timeout) {
        return once(c, target, timeout, false);
    }

    /**
     * As {@link #once(Container, ContainerExec.Target, Duration)}; with {@code cutByDeadline}, the
     * timeout is what is left of a readiness deadline, shorter than the check's own: a run killed
     * at it is no verdict on the container's health and is not saved (its result is returned).
     */
    Outcome once(Container c, ContainerExec.Target target, Duration timeout, boolean cutByDeadline) {
        HealthCheck check = c.spec().health().orElseThrow();
        var own = c.spec().process();
        var process = new dev.quilt.domain.ProcessSpec(check.args(), own.env(), own.cwd(), own.user(), false);
        Instant start = clock.now();
        ContainerExec.Captured run = exec.capture(target, process, timeout, HealthResult.MAX_OUTPUT);
        HealthResult result = new HealthResult(run.exit(), run.timedOut(), run.output(), start, clock.now());
        if (cutByDeadline && run.timedOut()) return new Outcome(c, result);
        try (StateStore.Lock lock = state.lock(c.id())) {
            // the record as it is now: a stop may have come meanwhile, or an rm
            java.util.Optional<Container> stored = state.load(c.id());
            if (stored.isEmpty()) return new Outcome(c.checked(result), result);
            Container now = stored.get().checked(result);
            state.save(now);
            return new Outcome(now, result);
        }
    }
}

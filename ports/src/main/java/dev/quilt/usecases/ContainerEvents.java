package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ResourceUsage;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.ContainerProcesses;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code quilt-runc events}: a container's cgroup counters, once ({@code --stats})
 * or every {@code interval} until it stops. The schedule is the deadline of the
 * one wait on the container's exit (its monitor's pidfd and the exit record, as
 * {@code wait} waits): a tick is that wait timing out, and the exit ends the
 * stream at once, not a tick later. Ticks missed while a reading was written
 * count as one, as the {@link dev.quilt.ports.Ticker} does.
 */
public final class ContainerEvents {
    private final ContainerLookup lookup;
    private final Cgroups cgroups;
    private final ContainerProcesses processes;

    public ContainerEvents(ContainerLookup lookup, Cgroups cgroups, ContainerProcesses processes) {
        this.lookup = lookup;
        this.cgroups = cgroups;
        this.processes = processes;
    }

    /** What the stream reports: runc's {@code stats} and {@code oom} events. */
    public sealed interface Event permits Stats, Oom {}

    /** One reading of a container's cgroup. */
    public record Stats(Container container, ResourceUsage usage) implements Event {}

    /** The OOM killer killed a process of the container since the last event (its {@code oom_kill} count rose). */
    public record Oom(Container container) implements Event {}

    /** {@code --stats}: the counters now. */
    public Stats now(String ref) {
        Container c = live(lookup.get(ref));
        return new Stats(c, usage(c));
    }

    /**
     * Hands {@code sink} a reading every {@code interval} (the first one interval
     * from now) until the container stops; returns then. Before a reading, and at
     * the end, an {@link Oom} when the cgroup's OOM kill count rose since the last
     * look: an OOM is reported at the tick after it (or at the exit it caused),
     * not the instant it happens as runc's eventfd reports it.
     */
    public void follow(String ref, Duration interval, Consumer<Event> sink) {
        if (interval.isNegative() || interval.isZero()) {
            throw QuiltException.invalid("--interval must be more than 0 (e.g. 5s), not " + interval.toMillis() + "ms");
        }
        Container c = live(lookup.get(ref));
        // its monitor, or the init itself when none stays its parent (runc's process tree)
        ProcessRef watched = c.monitor().or(c::init).orElseThrow(() -> QuiltException.conflict("container '"
                + c.displayName() + "' is being created; ask for its events after"));
        long period = interval.toNanos();
        long begin = System.nanoTime();
        long tick = 1;
        long ooms = cgroups.oomKills(c.id(), Cgroups.pathOf(c.spec()));
        while (true) {
            long left = Math.max(0, begin + tick * period - System.nanoTime());
            ContainerProcesses.WaitOutcome o = processes.awaitExit(c.id(), watched, c.init(),
                    Optional.of(Duration.ofNanos(left)));
            long now = cgroups.oomKills(c.id(), Cgroups.pathOf(c.spec()));
            if (now > ooms) sink.accept(new Oom(c));
            ooms = now;
            if (!(o instanceof ContainerProcesses.TimedOut)) return;
            Optional<ResourceUsage> u = cgroups.usage(c.id());
            if (u.isEmpty()) return; // removed meanwhile
            sink.accept(new Stats(c, u.get()));
            tick = Math.max(tick + 1, (System.nanoTime() - begin) / period + 1);
        }
    }

    private static Container live(Container c) {
        if (!c.status().isLive()) {
            throw QuiltException.conflict("container '" + c.displayName() + "' is " + c.status().word()
                    + "; events need a created, running or paused one");
        }
        return c;
    }

    private ResourceUsage usage(Container c) {
        return cgroups.usage(c.id()).orElseThrow(() -> QuiltException.conflict("container '" + c.displayName()
                + "' has no cgroup to read"));
    }
}

package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.Clock;
import dev.quilt.ports.ContainerProcesses;
import dev.quilt.ports.SpawnFailedException;
import dev.quilt.ports.StateStore;

import java.time.Instant;

/**
 * {@code quilt start}: lets a created container's init exec its command, then
 * waits for the rest of its readiness chain ({@code exec}, {@code healthy})
 * under a deadline that starts now. An OCI bundle's {@code poststart} hooks run once it has started
 * (its {@code startContainer} hooks ran in the init, before the command).
 */
public final class StartContainer {
    private final ContainerLookup lookup;
    private final StateStore state;
    private final ContainerProcesses processes;
    private final BecomeReady ready;
    private final Clock clock;
    private final LifecycleHooks hooks;

    /** {@code hooks} runs an OCI bundle's {@code poststart} hooks once it has started. */
    public StartContainer(ContainerLookup lookup, StateStore state, ContainerProcesses processes, BecomeReady ready,
                          Clock clock, LifecycleHooks hooks) {
        this.lookup = lookup;
        this.state = state;
        this.processes = processes;
        this.ready = ready;
        this.clock = clock;
        this.hooks = hooks;
    }

    public Container start(String ref) {
        return start(lookup.resolve(ref));
    }

    /** As {@link #start(String)}, for a container already found (the API's route has it by its ID). */
    public Container start(dev.quilt.domain.ContainerId id) {
        Container running = release(id);
        Instant deadline = running.startedAt().orElseThrow().plus(running.spec().ready().timeout());
        return ready.await(running, deadline);
    }

    /**
     * runc's {@code start}: lets the init exec its command and returns the running record as soon as the
     * {@code execve} happened, without the readiness chain ({@code exec} probe, health check): runc probes
     * nothing, and a bundle's root may have no shell to probe with. Errors as {@link #start}.
     */
    public Container startExeced(String ref) {
        return release(lookup.resolve(ref));
    }

    private Container release(dev.quilt.domain.ContainerId id) {
        Container running;
        try (StateStore.Lock lock = state.lock(id)) {
            Container c = lookup.get(id.value());
            if (!c.status().canStart()) {
                throw QuiltException.conflict("container '" + c.displayName() + "' is " + c.status().word()
                        + "; only a created container can be started");
            }
            var startedAt = clock.now();
            try {
                processes.start(id, c.init().orElseThrow());
            } catch (SpawnFailedException e) {
                state.save(lookup.observe(c));
                throw e;
            }
            running = c.running(c.init().orElseThrow(), c.monitor().orElseThrow(), startedAt);
            state.save(running);
            hooks.poststart(running); // runtime.md "Lifecycle" 8: after start, before it returns; failures are warnings
        }
        return running;
    }
}

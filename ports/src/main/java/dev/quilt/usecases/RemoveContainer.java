package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerRecord;
import dev.quilt.domain.NoSuchContainerException;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Status;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.ContainerProcesses;
import dev.quilt.ports.StateStore;

import java.util.Optional;

/**
 * {@code quilt rm [-f]}: a running container only with force, which kills it and
 * waits for the monitor (a paused one is thawed after its SIGKILL, as
 * {@link KillContainer} does, or on cgroup v1 it could not die). A container
 * whose record is broken only with force, which removes what can still be found of it.
 * An OCI bundle's {@code poststop} hooks run once it is gone. A persisted container
 * ({@link dev.quilt.domain.PersistPolicy}) whose processes run is checkpointed first, without {@code -f}
 * too; a failed checkpoint is a warning naming the reason, and the removal proceeds (forced).
 */
public final class RemoveContainer {
    private final ContainerLookup lookup;
    private final StateStore state;
    private final ContainerProcesses processes;
    private final Forget forget;
    private final ClearBroken broken;
    private final LifecycleHooks hooks;
    private final Cgroups cgroups;
    private final BeforeRemoval persist;
    private final dev.quilt.ports.Warnings warnings;

    /**
     * The persist policy's step before a removal (issue 16, item 7): checkpoint the live, persisted container
     * {@code c}, which ends it; a failure is thrown with the reason in one line.
     */
    @FunctionalInterface
    public interface BeforeRemoval {
        void checkpoint(Container c);
    }

    /** {@code hooks} runs an OCI bundle's {@code poststop} hooks once it is deleted. */
    public RemoveContainer(ContainerLookup lookup, StateStore state, ContainerProcesses processes, Forget forget,
                           Cgroups cgroups, LifecycleHooks hooks) {
        this(lookup, state, processes, forget, cgroups, hooks, c -> {
            throw QuiltException.invalid("checkpoints are not available to this engine");
        }, line -> { });
    }

    /** With the persist policy: {@code persist} checkpoints a live persisted container first; {@code warnings} hears of a failure. */
    public RemoveContainer(ContainerLookup lookup, StateStore state, ContainerProcesses processes, Forget forget,
                           Cgroups cgroups, LifecycleHooks hooks, BeforeRemoval persist,
                           dev.quilt.ports.Warnings warnings) {
        this.persist = persist;
        this.warnings = warnings;
        this.cgroups = cgroups;
        this.lookup = lookup;
        this.state = state;
        this.processes = processes;
        this.forget = forget;
        this.broken = new ClearBroken(state, processes, forget);
        this.hooks = hooks;
    }

    /** Returns the ID of the container removed. */
    public ContainerId remove(String ref, boolean force) {
        var id = lookup.resolve(ref);
        // before the lock: the checkpoint takes it itself, and ends the container
        Optional<Container> live = lookup.record(id).filter(r -> r instanceof ContainerRecord.Readable)
                .map(r -> ((ContainerRecord.Readable) r).container());
        if (live.isPresent() && dev.quilt.domain.PersistPolicy.onRemove(live.get())
                == dev.quilt.domain.PersistPolicy.OnRemove.CHECKPOINT_THEN_REMOVE) {
            try {
                persist.checkpoint(live.get());
            } catch (RuntimeException e) {
                warnings.warn("checkpoint of persisted container '" + live.get().displayName() + "' failed ("
                        + PersistContainer.reason(e) + "); removing it anyway");
            }
            force = true; // what the checkpoint did not end is ended with the removal
        }
        try (StateStore.Lock lock = state.lock(id)) {
            ContainerRecord now = lookup.record(id).orElseThrow(() -> new NoSuchContainerException(ref, "no container '" + ref + "'"));
            if (now instanceof ContainerRecord.Broken b) {
                if (!force) throw b.error(); // it may still run: only --force kills what it finds
                broken.clear(id);
                return id;
            }
            Container c = ((ContainerRecord.Readable) now).container();
            if (!c.status().canDelete() || (c.status() == Status.CREATING && c.monitor().isPresent())) {
                if (!force) {
                    throw QuiltException.conflict("container '" + c.displayName() + "' is " + c.status().word()
                            + "; stop it first or use --force");
                }
                c.init().ifPresent(init -> processes.signal(init, processes.sigkill()));
                if (c.status() == Status.PAUSED) cgroups.thaw(c.id(), Cgroups.pathOf(c.spec()));
                // the monitor writes exit.json and leaves; only then are its files ours to remove
                c.monitor().ifPresent(m -> processes.awaitExit(c.id(), m, c.init(), Optional.empty()));
            } else if (c.status() == Status.CREATING) {
                // a create that died before its monitor started: nothing runs
                c.init().ifPresent(init -> processes.signal(init, processes.sigkill()));
            }
            forget.everything(id);
            hooks.poststop(c); // runtime.md "Lifecycle" 11: after delete; failures are warnings
            return id;
        }
    }
}

package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Status;
import dev.quilt.ports.ProcessSpawner;
import dev.quilt.ports.StateStore;

import java.time.Duration;

/**
 * {@code quilt start} of an exited container and {@code quilt restart}; the Engine API's {@code start} of an exited
 * container and {@code restart} (API 1.41 "ContainerStart", "ContainerRestart"). dockerd keeps a container's ID,
 * name, config and writable layer across stop and start, and so does this: the container runs again through
 * {@link ContainerLauncher#relaunch} (the one create path, on its kept record and layer) and is returned once its
 * readiness chain holds, as a fresh {@code run -d} is. A readiness phase that does not hold is what it is for
 * {@code run -d} ({@link BecomeReady}: removed unless {@code --keep-on-failure}); a failure before the command
 * runs leaves it stopped as it was.
 */
public final class RestartContainer {
    private final ContainerLookup lookup;
    private final StateStore state;
    private final ContainerLauncher launcher;
    private final BecomeReady ready;
    private final StartContainer start;
    private final StopContainer stop;

    public RestartContainer(ContainerLookup lookup, StateStore state, ContainerLauncher launcher, BecomeReady ready,
                            StartContainer start, StopContainer stop) {
        this.lookup = lookup;
        this.state = state;
        this.launcher = launcher;
        this.ready = ready;
        this.start = start;
        this.stop = stop;
    }

    /**
     * Runs an exited container again and returns it ready. A conflict, naming its status, for any other (a created
     * one is started with {@link StartContainer#start}; a running one is restarted); a bundle's is refused.
     */
    public Container startAgain(String ref) {
        ContainerId id = lookup.resolve(ref);
        ContainerLauncher.Launch launch;
        try (StateStore.Lock lock = state.lock(id)) {
            Container now = lookup.observe(id)
                    .orElseThrow(() -> new dev.quilt.domain.NoSuchContainerException(ref, "container '" + ref + "' was removed meanwhile"));
            if (!now.status().canStartAgain()) {
                throw QuiltException.conflict("container '" + now.displayName() + "' is " + now.status().word()
                        + "; only an exited container is started again");
            }
            launch = launcher.relaunch(now, ProcessSpawner.Mode.DETACHED);
        }
        launch.launched().close();
        return ready.await(launch.container(), launch.deadline());
    }

    /**
     * docker's restart: a running or paused container is stopped ({@link StopContainer}, SIGTERM and SIGKILL after
     * {@code grace}) and run again; an exited one is run again; a created one, which never ran, is started. Returns
     * it ready, with its ID kept. A create in progress (or crashed) is a conflict.
     */
    public Container restart(String ref, Duration grace) {
        Container c = lookup.get(ref);
        if (c.status() == Status.CREATED) return start.start(c.id().value());
        if (c.status() == Status.CREATING) {
            throw QuiltException.conflict("container '" + c.displayName() + "' is being created; wait for it, or"
                    + " remove it with 'quilt rm' if its create was killed");
        }
        if (c.status().isLive()) stop.stop(c.id().value(), grace);
        return startAgain(c.id().value());
    }
}

package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.ExitStatus;
import dev.quilt.ports.Clock;
import dev.quilt.ports.ProcessSpawner;
import dev.quilt.ports.StateStore;

import java.util.function.IntConsumer;

/** {@code quilt run}: a container in the foreground; its exit is the answer. */
public final class RunContainer {
    private final ContainerLauncher launcher;
    private final StateStore state;
    private final Forget forget;
    private final Clock clock;

    public RunContainer(ContainerLauncher launcher, StateStore state, Forget forget, Clock clock) {
        this.launcher = launcher;
        this.state = state;
        this.forget = forget;
        this.clock = clock;
    }

    /** Hears about the container while it runs, e.g. to forward signals to it. */
    public interface Observer {
        Observer NONE = new Observer() { };

        default void started(Container container, IntConsumer signaller) { }
    }

    public ExitStatus run(ContainerRequest req, Observer observer) {
        return await(launcher.launch(req, ProcessSpawner.Mode.FOREGROUND), req.remove(), observer);
    }

    /**
     * An OCI bundle's container in the foreground ({@code quilt-runc run}): the caller's stdio, the monitor as
     * the init's parent; returns its exit (128+n for a signal). The record stays, stopped, for {@code delete}.
     */
    public ExitStatus run(BundleRequest req, Observer observer) {
        return await(launcher.launch(req, ProcessSpawner.Mode.FOREGROUND), false, observer);
    }

    private ExitStatus await(ContainerLauncher.Launch launch, boolean remove, Observer observer) {
        Container container = launch.container();
        ExitStatus exit;
        try (ProcessSpawner.Launched launched = launch.launched()) {
            observer.started(container, launched::signal);
            // if this throws (the monitor was killed), the container may live on: leave it to rm -f and gc
            exit = launched.awaitExit();
        }
        try (StateStore.Lock lock = state.lock(container.id())) {
            state.save(container.stopped(exit, clock.now()));
        } finally {
            if (remove) forget.everything(container.id());
        }
        return exit;
    }
}

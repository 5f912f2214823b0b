package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.ports.ProcessSpawner;

import java.util.Optional;

/**
 * {@code quilt create} (the init waits for start; it returns once the
 * {@code spawned} and {@code network} phases hold) and {@code quilt run -d}
 * (it runs at once, and returns once every readiness phase holds); either way
 * the caller gets the record and goes, and the container stays with its monitor.
 */
public final class CreateContainer {
    private final ContainerLauncher launcher;
    private final BecomeReady ready;
    private final Optional<PersistContainer> persist;
    private final PersistContainer.Restore restore;

    public CreateContainer(ContainerLauncher launcher, BecomeReady ready) {
        this.launcher = launcher;
        this.ready = ready;
        this.persist = Optional.empty();
        this.restore = (from, name, outcome) -> {
            throw new IllegalStateException("no persist policy");
        };
    }

    /**
     * With the persist policy (issue 16, item 7): a persisted request under a name restores that name's newest
     * checkpoint through {@code restore} (ready, and running, for {@code create} too), or is created fresh saying why
     * ({@link PersistContainer}).
     */
    public CreateContainer(ContainerLauncher launcher, BecomeReady ready, PersistContainer persist,
                           PersistContainer.Restore restore) {
        this.launcher = launcher;
        this.ready = ready;
        this.persist = Optional.of(persist);
        this.restore = restore;
    }

    public Container create(ContainerRequest req) {
        if (persist.isPresent()) return persist.get().create(req, restore, this::createFresh);
        return createFresh(req);
    }

    private Container createFresh(ContainerRequest req) {
        ContainerLauncher.Launch launch = launcher.launch(req, ProcessSpawner.Mode.CREATED);
        launch.launched().close();
        ready.expect(launch.container());
        return launch.container();
    }

    /** An OCI bundle's container, created and waiting for start, as {@link #create(ContainerRequest)}. */
    public Container create(BundleRequest req) {
        return create(req, ProcessSpawner.Mode.CREATED);
    }

    /**
     * An OCI bundle's container, created and waiting for start, attached to its caller as {@code mode} says:
     * {@link ProcessSpawner.Mode#CREATED} ({@code quilt create --bundle}) or {@link ProcessSpawner.Mode#HANDED_OFF}
     * ({@code quilt-runc create}: runc's process tree).
     */
    public Container create(BundleRequest req, ProcessSpawner.Mode mode) {
        if (!mode.gated()) throw new IllegalArgumentException("create needs a gated mode, not " + mode);
        ContainerLauncher.Launch launch = launcher.launch(req, mode);
        launch.launched().close();
        return launch.container();
    }

    public Container runDetached(ContainerRequest req) {
        if (persist.isPresent()) return persist.get().create(req, restore, this::runFresh);
        return runFresh(req);
    }

    private Container runFresh(ContainerRequest req) {
        ContainerLauncher.Launch launch = launcher.launch(req, ProcessSpawner.Mode.DETACHED);
        launch.launched().close();
        return ready.await(launch.container(), launch.deadline());
    }
}

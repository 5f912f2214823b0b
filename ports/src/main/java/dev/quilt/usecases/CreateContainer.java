package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.ports.ProcessSpawner;

/**
 * {@code quilt create} (the init waits for start) and {@code quilt run -d}
 * (it runs at once); either way the caller gets the record and goes, and the
 * container stays with its monitor.
 */
public final class CreateContainer {
    private final ContainerLauncher launcher;

    public CreateContainer(ContainerLauncher launcher) {
        this.launcher = launcher;
    }

    public Container create(ContainerRequest req) {
        return detach(launcher.launch(req, ProcessSpawner.Mode.CREATED));
    }

    public Container runDetached(ContainerRequest req) {
        return detach(launcher.launch(req, ProcessSpawner.Mode.DETACHED));
    }

    private static Container detach(ContainerLauncher.Launch launch) {
        launch.launched().close();
        return launch.container();
    }
}

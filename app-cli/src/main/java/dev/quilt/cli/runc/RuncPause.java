package dev.quilt.cli.runc;

import dagger.Lazy;
import dev.quilt.usecases.PauseContainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import javax.inject.Inject;
import java.util.concurrent.Callable;

/**
 * {@code quilt-runc pause ID}: freezes the container's processes (runc 1.1's
 * {@code pause}); prints nothing. A container that is not running is refused
 * with one line and exit 1.
 */
@Command(name = "pause", description = "pause suspends all processes inside the container")
public final class RuncPause implements Callable<Integer> {
    private final RuncContainers containers;
    private final Lazy<PauseContainer> pause;

    @Parameters(index = "0", paramLabel = "CONTAINER_ID")
    String id;

    @Inject
    public RuncPause(Lazy<PauseContainer> pause, RuncContainers containers) {
        this.containers = containers;
        this.pause = pause;
    }

    @Override
    public Integer call() {
        pause.get().pause(containers.require(id).value());
        return 0;
    }
}

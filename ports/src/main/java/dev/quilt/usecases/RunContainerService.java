package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.Environment;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.Image;
import dev.quilt.domain.ProcessSpec;
import dev.quilt.ports.Clock;
import dev.quilt.ports.ContainerStorage;
import dev.quilt.ports.IdSource;
import dev.quilt.ports.ProcessSpawner;
import dev.quilt.ports.StateStore;

/**
 * The foreground run: record, storage, init, wait, record the exit, and with
 * {@code --rm} remove it all. A failure before the init runs undoes every step
 * already done, so a failed run leaves nothing.
 */
public final class RunContainerService implements RunContainer {
    private final ImageResolver images;
    private final StateStore state;
    private final ContainerStorage storage;
    private final ProcessSpawner spawner;
    private final RemoveContainer remover;
    private final IdSource ids;
    private final Clock clock;

    public RunContainerService(ImageResolver images, StateStore state, ContainerStorage storage,
                               ProcessSpawner spawner, RemoveContainer remover, IdSource ids, Clock clock) {
        this.images = images;
        this.state = state;
        this.storage = storage;
        this.spawner = spawner;
        this.remover = remover;
        this.ids = ids;
        this.clock = clock;
    }

    @Override
    public ExitStatus run(Command cmd, Observer observer) {
        Image image = images.resolve(cmd.image());
        ContainerId id = ids.newId();
        Hostname hostname = cmd.hostname().orElseGet(() -> Hostname.from(
                cmd.name().map(n -> n.value()).orElse(id.shortForm())));
        ProcessSpec process = new ProcessSpec(cmd.args(),
                Environment.build(hostname, cmd.env(), cmd.callerEnv()), cmd.cwd(), cmd.user(), false);
        ContainerSpec spec = new ContainerSpec(process, image.digest(), hostname,
                ContainerSpec.DEFAULT_NAMESPACES, cmd.stdinOpen());
        Container container = Container.creating(id, cmd.name(), spec, clock.now());

        ProcessSpawner.Launched launched;
        state.create(container);
        try {
            cmd.name().ifPresent(n -> state.claimName(n, id));
            storage.prepare(id, image.digest());
            launched = spawner.launch(id, spec);
        } catch (RuntimeException e) {
            remover.forget(id);
            throw e;
        }
        try (launched) {
            try {
                container = container.running(launched.process(), clock.now());
                state.save(container);
            } catch (RuntimeException e) {
                // no record of it running: it must not run
                launched.kill();
                remover.forget(id);
                throw e;
            }
            observer.started(container, launched::signal);
            ExitStatus exit = launched.awaitExit();
            container = container.stopped(exit, clock.now());
            state.save(container);
            observer.exited(container);
            return exit;
        } finally {
            if (cmd.remove()) remover.forget(id);
        }
    }
}

package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.Endpoint;
import dev.quilt.domain.Environment;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.Image;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.ProcessSpec;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.Clock;
import dev.quilt.ports.ContainerStorage;
import dev.quilt.ports.IdSource;
import dev.quilt.ports.ProcessSpawner;
import dev.quilt.ports.StateStore;

import java.util.Optional;

/**
 * The one create path of every face: record, name, cgroup, address, storage, init. A failure
 * anywhere before the init runs undoes every step already done, so nothing
 * half-made is left; a CLI killed half-way leaves a record that says
 * {@code creating}, which {@code rm} and {@code gc} know how to clear.
 */
public final class ContainerLauncher {
    private final ImageResolver images;
    private final StateStore state;
    private final ContainerStorage storage;
    private final ProcessSpawner spawner;
    private final Forget forget;
    private final AttachNetwork network;
    private final Cgroups cgroups;
    private final IdSource ids;
    private final Clock clock;

    public ContainerLauncher(ImageResolver images, StateStore state, ContainerStorage storage, ProcessSpawner spawner,
                             Forget forget, AttachNetwork network, Cgroups cgroups, IdSource ids, Clock clock) {
        this.images = images;
        this.cgroups = cgroups;
        this.network = network;
        this.state = state;
        this.storage = storage;
        this.spawner = spawner;
        this.forget = forget;
        this.ids = ids;
        this.clock = clock;
    }

    /** The saved record and the live init. */
    public record Launch(Container container, ProcessSpawner.Launched launched) {}

    public Launch launch(ContainerRequest req, ProcessSpawner.Mode mode) {
        Image image = images.resolve(req.image());
        ContainerId id = ids.newId();
        Hostname hostname = req.hostname().orElseGet(() -> Hostname.from(
                req.name().map(n -> n.value()).orElse(id.shortForm())));
        ProcessSpec process = new ProcessSpec(req.args(),
                Environment.build(hostname, req.env(), req.callerEnv()), req.cwd(), req.user(), false);
        ContainerSpec spec = new ContainerSpec(process, image.digest(), hostname, ContainerSpec.DEFAULT_NAMESPACES,
                req.stdinOpen(), req.init(), req.network(), req.resources());
        Container container = Container.creating(id, req.name(), spec, clock.now(), req.remove());

        state.create(container);
        try (StateStore.Lock lock = state.lock(id)) {
            ProcessSpawner.Launched launched;
            try {
                req.name().ifPresent(n -> state.claimName(n, id));
                Cgroups.Placement cgroup = cgroups.create(id, spec.resources());
                Optional<Endpoint> endpoint = spec.network() == NetworkMode.BRIDGE
                        ? Optional.of(network.attach(id)) : Optional.empty();
                if (endpoint.isPresent()) container = container.attached(endpoint.get());
                storage.prepare(id, image.digest());
                launched = spawner.launch(id, spec, endpoint, cgroup, mode);
            } catch (RuntimeException e) {
                forget.everything(id);
                throw e;
            }
            try {
                container = mode == ProcessSpawner.Mode.CREATED
                        ? container.created(launched.process(), launched.monitor(), launched.networkSetup())
                        : container.running(launched.process(), launched.monitor(), clock.now(), launched.networkSetup());
                state.save(container);
            } catch (RuntimeException e) {
                // no record of it running: it must not run
                launched.kill();
                launched.close();
                forget.everything(id);
                throw e;
            }
            return new Launch(container, launched);
        }
    }
}

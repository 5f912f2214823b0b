package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.Endpoint;
import dev.quilt.domain.Environment;
import dev.quilt.domain.ExecveLimits;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.Image;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.Phase;
import dev.quilt.domain.PhaseMark;
import dev.quilt.domain.Readiness;
import dev.quilt.domain.ProcessSpec;
import dev.quilt.domain.UserNamespace;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.Clock;
import dev.quilt.ports.ContainerStorage;
import dev.quilt.ports.HostLimits;
import dev.quilt.ports.IdSource;
import dev.quilt.ports.NotReadyException;
import dev.quilt.ports.ProcessSpawner;
import dev.quilt.ports.SpawnFailedException;
import dev.quilt.ports.StateStore;
import dev.quilt.ports.SubordinateIds;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The one create path of every face: record, name, cgroup, address, storage, init. A failure
 * anywhere before the init runs undoes every step already done, so nothing
 * half-made is left; a CLI killed half-way leaves a record that says
 * {@code creating}, which {@code rm} and {@code gc} know how to clear.
 * Its deadline is the start of the container's readiness deadline: the
 * {@code spawned} and {@code network} phases hold when it returns.
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
    private final HostLimits host;
    private final SubordinateIds subordinate;

    public ContainerLauncher(ImageResolver images, StateStore state, ContainerStorage storage, ProcessSpawner spawner,
                             Forget forget, AttachNetwork network, Cgroups cgroups, IdSource ids, Clock clock,
                             HostLimits host, SubordinateIds subordinate) {
        this.host = host;
        this.subordinate = subordinate;
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

    /** The saved record, the live init, and the readiness deadline the rest of the chain has to meet. */
    public record Launch(Container container, ProcessSpawner.Launched launched, Instant deadline) {}

    public Launch launch(ContainerRequest req, ProcessSpawner.Mode mode) {
        Instant begun = clock.now();
        Instant deadline = begun.plus(req.ready().timeout());
        // what the host cannot give is refused before anything is made
        req.resources().cpus().ifPresent(c -> c.requireAtMost(host.cpus()));
        ContainerId id = ids.newId();
        Hostname hostname = req.hostname().orElseGet(() -> Hostname.from(
                req.name().map(n -> n.value()).orElse(id.shortForm())));
        ProcessSpec process = new ProcessSpec(req.args(),
                Environment.build(hostname, req.env(), req.callerEnv()), req.cwd(), req.user(), false);
        ExecveLimits.check(process.args(), process.env(), host.argMax());
        Image image = images.resolve(req.image());
        ContainerSpec spec = new ContainerSpec(process, image.digest(), hostname, ContainerSpec.DEFAULT_NAMESPACES,
                req.stdinOpen(), req.init(), req.network(), req.resources(), req.health(), req.ready(), req.log(),
                req.security());
        Container container = Container.creating(id, req.name(), spec, begun, req.remove());

        try (StateStore.Lock lock = state.createLocked(container)) {
            ProcessSpawner.Launched launched;
            try {
                req.name().ifPresent(n -> state.claimName(n, id));
                // --userns auto: a range of its own, held from here as long as its record lives
                UserNamespace userns = subordinate.take(id, spec.security().userns());
                if (!userns.equals(spec.security().userns())) {
                    spec = new ContainerSpec(spec.process(), spec.image(), spec.hostname(), spec.namespaces(),
                            spec.stdinOpen(), spec.init(), spec.network(), spec.resources(), spec.health(),
                            spec.ready(), spec.log(), spec.security().withUserns(userns));
                    container = Container.creating(id, req.name(), spec, begun, req.remove());
                    state.save(container);
                }
                Cgroups.Placement cgroup = cgroups.create(id, spec.resources(), spec.security());
                Optional<Endpoint> endpoint = spec.network() == NetworkMode.BRIDGE
                        ? Optional.of(network.attach(id)) : Optional.empty();
                if (endpoint.isPresent()) container = container.attached(endpoint.get());
                storage.prepare(id, image.digest());
                launched = spawner.launch(id, spec, endpoint, cgroup, mode, deadline);
            } catch (RuntimeException e) {
                forget.everything(id);
                throw mode == ProcessSpawner.Mode.FOREGROUND ? e : named(container, e, req);
            }
            try {
                container = mode == ProcessSpawner.Mode.CREATED
                        ? container.created(launched.process(), launched.monitor(), fromTheStart(launched.readiness(), begun))
                        : container.running(launched.process(), launched.monitor(), clock.now(),
                                fromTheStart(launched.readiness(), begun));
                state.save(container);
            } catch (RuntimeException e) {
                // no record of it running: it must not run
                launched.kill();
                launched.close();
                forget.everything(id);
                throw e;
            }
            return new Launch(container, launched, deadline);
        }
    }

    /** {@code spawned} counts from the command's start: the record, cgroup, address and storage are part of it. */
    private static Readiness fromTheStart(Readiness r, Instant begun) {
        PhaseMark spawned = r.of(Phase.SPAWNED).orElseThrow();
        Readiness rebased = Readiness.NONE.then(PhaseMark.held(Phase.SPAWNED, spawned.at(),
                Duration.between(begun, spawned.at())));
        for (PhaseMark m : r.marks().subList(1, r.marks().size())) rebased = rebased.then(m);
        return rebased;
    }

    /** A detached launch that failed says which phase did not hold; the container is gone by now. */
    private static RuntimeException named(Container c, RuntimeException e, ContainerRequest req) {
        String who = "container '" + c.displayName() + "' is not ready: ";
        if (e instanceof SpawnFailedException s) {
            Phase phase = s.step() == SpawnFailedException.Step.NETWORK ? Phase.NETWORK : Phase.SPAWNED;
            return new NotReadyException(phase, who + "phase " + phase.word() + " failed: " + s.getMessage()
                    + "; removed it", s.exitCode());
        }
        if (e instanceof NotReadyException n) {
            return new NotReadyException(n.phase(), who + "phase " + n.phase().word() + " did not hold within "
                    + dev.quilt.domain.Durations.format(req.ready().timeout()) + "; removed it");
        }
        return e;
    }
}

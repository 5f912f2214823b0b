package dev.quilt.usecases;

import dev.quilt.domain.Bundle;
import dev.quilt.domain.Capabilities;
import dev.quilt.domain.Capability;
import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.Endpoint;
import dev.quilt.domain.Environment;
import dev.quilt.domain.ExecveLimits;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.Image;
import dev.quilt.domain.LogLimit;
import dev.quilt.domain.Namespace;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.Phase;
import dev.quilt.domain.PhaseMark;
import dev.quilt.domain.Readiness;
import dev.quilt.domain.ProcessSpec;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ReadyPolicy;
import dev.quilt.domain.RootFs;
import dev.quilt.domain.Security;
import dev.quilt.domain.Status;
import dev.quilt.domain.oci.OciConversion;
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
import java.util.EnumSet;
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
                req.security()).withLabels(req.labels());
        return launch(id, req.name(), spec, req.remove(), begun, deadline, mode);
    }

    /** runc's refusal of {@code process.terminal} without {@code --console-socket} (runc 1.1 create). */
    public static final String TERMINAL_WITHOUT_SOCKET = "config.json: process.terminal is true: cannot allocate tty if"
            + " runc will detach without setting console socket; set terminal to false, or give quilt-runc"
            + " --console-socket";
    /** runc's refusal of {@code --console-socket} without {@code process.terminal}. */
    public static final String SOCKET_WITHOUT_TERMINAL = "--console-socket: cannot use console socket if runc will not"
            + " detach or allocate tty; set process.terminal to true in config.json, or leave --console-socket out";

    /**
     * An OCI bundle's container, on the same path as {@link #launch(ContainerRequest, ProcessSpawner.Mode)}:
     * {@code config.json}'s process (env, cwd and user as given: no PATH or HOSTNAME added, HOME from the
     * rootfs's passwd when missing, as runc does), namespaces, hostname (the name or short ID when it has none),
     * cgroup limits and confinement, over its {@code root.path} directory ({@code root.readonly} honoured).
     * Refused with one line, before anything is made: what {@link OciConversion#toEngine} refuses;
     * {@code process.terminal} without a console socket ({@link dev.quilt.domain.RuncTerms#consoleSocket}), and a
     * console socket without it, as runc refuses both; no command ({@code process.args} empty and none given); systemd's
     * {@code slice:prefix:name} form of {@code linux.cgroupsPath} (these hosts drive cgroupfs, no systemd);
     * a user namespace with the rootfs in place (its files would have to be the mapped root's).
     * With the rootfs in place ({@link dev.quilt.domain.RuncTerms#rootInPlace}, {@code quilt-runc}), the hostname
     * is runc's: set only when {@code hostname} is given, else the uts namespace keeps its name; without
     * ({@code quilt create --bundle}, Quilt's {@code /etc} files), the name or short ID as {@code run} gives,
     * so a uts namespace of its own is needed.
     * Namespaces with a {@code path} are joined ({@link Bundle#namespacePaths}), {@code process.oomScoreAdj}
     * is written before the process runs ({@link Bundle#oomScoreAdj}).
     * An ambient capability that is not also permitted and inheritable is dropped, as runc's result shows.
     */
    public Launch launch(BundleRequest req, ProcessSpawner.Mode mode) {
        Instant begun = clock.now();
        ContainerId id = ids.newId();
        ContainerSpec spec = bundleSpec(req, id);
        return launch(id, req.name(), spec, false, begun, begun.plus(spec.ready().timeout()), mode);
    }

    /**
     * An OCI bundle's container whose init is CRIU's restore of {@code from} instead of a clone ({@code quilt-runc
     * restore}, issue 16): the spec, refusals and steps of {@link #launch(BundleRequest, ProcessSpawner.Mode)} with
     * the rootfs in place, and the init restored by {@link ProcessSpawner#restore} in {@code from.mode()}
     * ({@link ProcessSpawner.Mode#HANDED_OFF}: runc's process tree, the restored init the caller's subreaper's
     * child). Refused in one line before anything is made: a rootfs not used in place (CRIU's images hold no
     * layer of it), a namespace other than the network's joined by path (CRIU restores the dumped ones). The
     * record says running at once: the restored process goes on where it was, with no start gate.
     */
    public Launch restore(BundleRequest req, ProcessSpawner.Restore from) {
        if (!req.terms().rootInPlace()) {
            throw QuiltException.invalid("restore from CRIU's images alone needs the bundle's rootfs in place");
        }
        Instant begun = clock.now();
        ContainerId id = ids.newId();
        ContainerSpec spec = bundleSpec(req, id);
        spec.bundle().orElseThrow().namespacePaths().keySet().stream().filter(ns -> ns != Namespace.NETWORK).findFirst()
                .ifPresent(ns -> {
                    throw QuiltException.invalid("config.json: linux.namespaces gives a path for the "
                            + ns.name().toLowerCase(java.util.Locale.ROOT) + " namespace, and a restore makes the"
                            + " namespaces CRIU dumped; leave the path out (only the network namespace may be joined)");
                });
        // the layer of a Restored is not read for a rootfs in place (the caller's, restored as it is)
        return launch(id, req.name(), spec, false, begun, begun.plus(spec.ready().timeout()), from.mode(),
                Optional.of(new Restored(from.images(), from)));
    }

    /** {@code config.json} as the engine's spec, refused in one line where runc or Quilt refuses it. */
    private ContainerSpec bundleSpec(BundleRequest req, ContainerId id) {
        OciConversion.EngineSpec e = OciConversion.toEngine(req.spec(), "config.json");
        // runc's rules (create): a terminal goes to the console socket, and a socket needs a terminal
        if (e.process().terminal() && req.terms().consoleSocket().isEmpty()) {
            throw QuiltException.invalid(TERMINAL_WITHOUT_SOCKET);
        }
        if (!e.process().terminal() && req.terms().consoleSocket().isPresent()) {
            throw QuiltException.invalid(SOCKET_WITHOUT_TERMINAL);
        }
        e.cgroupsPath().filter(p -> p.contains(":")).ifPresent(p -> {
            throw QuiltException.invalid("config.json: linux.cgroupsPath '" + p + "' is systemd's slice:prefix:name"
                    + " form, and quilt drives cgroupfs itself (no systemd cgroup manager); give a path such as"
                    + " /machine/c1");
        });
        e.cgroupsPath().filter(p -> !p.contains(":")).ifPresent(p -> {
            java.util.List<String> parts = java.util.Arrays.asList(p.replaceFirst("^/", "").split("/", -1));
            if (parts.contains("..") || parts.contains(".") || parts.contains("")) {
                throw QuiltException.invalid("config.json: linux.cgroupsPath '" + p + "' must name a cgroup below the"
                        + " root, without '..', '.' or empty components");
            }
        });
        boolean inPlace = req.terms().rootInPlace();
        if (inPlace && e.namespaces().contains(Namespace.USER)) {
            throw QuiltException.invalid("config.json: linux.namespaces has a user namespace, which quilt cannot give"
                    + " a rootfs used in place yet; leave out the user namespace");
        }
        if (!inPlace && !e.namespaces().contains(Namespace.UTS)) {
            // the init always sets a hostname: in the host's uts namespace that would be the host's
            throw QuiltException.invalid("config.json: linux.namespaces has no uts namespace, and quilt gives every"
                    + " container a hostname of its own; add {\"type\": \"uts\"}");
        }
        ProcessSpec given = e.process();
        ProcessSpec process = req.args().isEmpty() ? given
                : new ProcessSpec(req.args(), given.env(), given.cwd(), given.user(), given.terminal());
        if (process.args().isEmpty()) {
            throw QuiltException.invalid("config.json: process.args is empty: put the command there, or give it"
                    + " after '--'");
        }
        ExecveLimits.check(process.args(), process.env(), host.argMax());
        e.resources().cpus().ifPresent(c -> c.requireAtMost(host.cpus()));
        RootFs root = new RootFs.Directory(req.rootPath(e.root().path()));
        Hostname hostname = e.hostname().orElseGet(() -> Hostname.from(
                req.name().map(n -> n.value()).orElse(id.shortForm())));
        Bundle bundle = new Bundle(req.bundle(), req.spec().annotations(), e.namespacePaths(), e.cgroupsPath(),
                req.spec().hooks().orElse(Bundle.NO_HOOKS), req.terms(), inPlace && e.hostname().isEmpty(),
                e.oomScoreAdj(), req.name().map(ContainerName::value));
        return new ContainerSpec(process, root, hostname, e.namespaces(), false, false, e.network(),
                e.resources(), Optional.empty(), ReadyPolicy.DEFAULT, LogLimit.DEFAULT, raisableAmbient(e.security()),
                Optional.of(bundle));
    }

    /**
     * The kernel raises an ambient capability only when it is permitted and inheritable; runc raises a
     * bundle's others best-effort and goes on (its own {@code runc spec} lists ambient ones with no
     * inheritable set, and runs with CapAmb 0), so the engine drops them as runc's result shows.
     */
    private static Security raisableAmbient(Security s) {
        Capabilities c = s.capabilities();
        EnumSet<Capability> ambient = EnumSet.noneOf(Capability.class);
        for (Capability cap : c.ambient()) {
            if (c.permitted().contains(cap) && c.inheritable().contains(cap)) ambient.add(cap);
        }
        return new Security(new Capabilities(c.bounding(), c.effective(), c.permitted(), c.inheritable(), ambient),
                s.noNewPrivileges(), s.seccomp(), s.rlimits(), s.additionalGids(), s.umask(), s.sysctls(), s.mounts(),
                s.devices(), s.maskedPaths(), s.readonlyPaths(), s.readonlyRootfs(), s.privileged(), s.userns(),
                s.deviceRules());
    }

    /**
     * An exited container run again on the one create path (dockerd's start and restart of an exited container):
     * the same ID, name, spec and writable layer; a new cgroup, address, start gate and monitor. The caller holds
     * its lock and passes it as observed now, {@link Status#STOPPED}. In order: the observed record is saved (so
     * the record alone says how the last run ended), the last run's files go ({@link StateStore#clearLastRun}),
     * the record becomes {@code creating} with one more restart counted ({@link Container#restarting}), the last
     * run's cgroup, link and address go ({@link Forget#theLastRun}), and then the steps of a create: cgroup,
     * address, layer ({@link ContainerStorage#prepareAgain}, keeping it), init. A failure there undoes this run's
     * steps and saves the record as it was (stopped, its last exit), so it can be started again; a CLI killed
     * half-way leaves a stopped record, or a {@code creating} one without processes that {@code rm} and
     * {@code gc} clear as a crashed create. {@code mode}: {@link ProcessSpawner.Mode#DETACHED} (start, restart)
     * or {@link ProcessSpawner.Mode#CREATED}. Refused (a conflict) for a container that has not exited, and for an
     * OCI bundle's (its bundle and cgroup path are its caller's).
     */
    public Launch relaunch(Container stopped, ProcessSpawner.Mode mode) {
        if (!stopped.status().canStartAgain()) {
            throw QuiltException.conflict("container '" + stopped.displayName() + "' is " + stopped.status().word()
                    + "; only an exited container can run again");
        }
        if (stopped.spec().bundle().isPresent() || !(stopped.spec().root() instanceof RootFs.Image)) {
            throw QuiltException.conflict("container '" + stopped.displayName() + "' was made from an OCI bundle,"
                    + " which quilt does not run again; create it again from its bundle");
        }
        if (mode == ProcessSpawner.Mode.FOREGROUND || mode == ProcessSpawner.Mode.HANDED_OFF) {
            throw new IllegalArgumentException("a container runs again detached or created, not " + mode);
        }
        Instant begun = clock.now();
        Instant deadline = begun.plus(stopped.spec().ready().timeout());
        state.save(stopped);
        state.clearLastRun(stopped.id());
        Container again = stopped.restarting();
        state.save(again);
        try {
            forget.theLastRun(stopped.id());
        } catch (RuntimeException e) {
            state.save(stopped);
            throw e;
        }
        return spawn(again, Optional.of(stopped), begun, deadline, mode, Optional.empty());
    }

    /**
     * A restore's inputs beyond the spec: the checkpoint's layer archive, CRIU's terms, and {@code files} (path in the
     * container to content) written into the new layer before CRIU runs ({@link ContainerStorage#writeInLayer}).
     */
    public record Restored(java.nio.file.Path layer, ProcessSpawner.Restore from, java.util.Map<String, byte[]> files) {
        public Restored {
            files = java.util.Map.copyOf(files);
        }

        /** With no file written into the layer. */
        public Restored(java.nio.file.Path layer, ProcessSpawner.Restore from) {
            this(layer, from, java.util.Map.of());
        }
    }

    /**
     * A container restored from a checkpoint, on the one create path (issue 16): a new ID and record, the given
     * name (or none), its own cgroup and address, a layer over the same image with the checkpoint's layer in its
     * upper ({@link ContainerStorage#prepareFromLayer}), and the init restored by CRIU under a monitor
     * ({@link ProcessSpawner#restore}) instead of cloned. Detached; its deadline starts now. A failure undoes every
     * step ({@link Forget}), as for a fresh create.
     */
    public Launch restore(ContainerSpec spec, Optional<ContainerName> name, Restored restored) {
        Instant begun = clock.now();
        ContainerId id = ids.newId();
        return launch(id, name, spec, false, begun, begun.plus(spec.ready().timeout()), ProcessSpawner.Mode.DETACHED,
                Optional.of(restored));
    }

    private Launch launch(ContainerId id, Optional<ContainerName> name, ContainerSpec spec, boolean remove,
                          Instant begun, Instant deadline, ProcessSpawner.Mode mode) {
        return launch(id, name, spec, remove, begun, deadline, mode, Optional.empty());
    }

    private Launch launch(ContainerId id, Optional<ContainerName> name, ContainerSpec spec, boolean remove,
                          Instant begun, Instant deadline, ProcessSpawner.Mode mode, Optional<Restored> restored) {
        Container container = Container.creating(id, name, spec, begun, remove);

        try (StateStore.Lock lock = state.createLocked(container)) {
            try {
                name.ifPresent(n -> state.claimName(n, id));
                // --userns auto: a range of its own, held from here as long as its record lives
                UserNamespace userns = subordinate.take(id, spec.security().userns());
                if (!userns.equals(spec.security().userns())) {
                    spec = new ContainerSpec(spec.process(), spec.root(), spec.hostname(), spec.namespaces(),
                            spec.stdinOpen(), spec.init(), spec.network(), spec.resources(), spec.health(),
                            spec.ready(), spec.log(), spec.security().withUserns(userns), spec.bundle(), spec.labels());
                    container = Container.creating(id, name, spec, begun, remove);
                    state.save(container);
                }
            } catch (RuntimeException e) {
                forget.everythingButTheCgroup(id);
                cgroups.removeParentIfUnused();
                throw mode == ProcessSpawner.Mode.FOREGROUND ? e : named(container, e, spec, false);
            }
            return spawn(container, Optional.empty(), begun, deadline, mode, restored);
        }
    }

    /**
     * The steps after the record: cgroup, address, layer, init, and the record saved with them. A failure undoes
     * them: a new container goes altogether; one run again ({@code before} present: its record as it was) keeps
     * its record, name and layer, and is saved as {@code before}.
     */
    private Launch spawn(Container container, Optional<Container> before, Instant begun, Instant deadline,
                         ProcessSpawner.Mode mode, Optional<Restored> restored) {
        ContainerId id = container.id();
        ContainerSpec spec = container.spec();
        ProcessSpawner.Launched launched;
        boolean cgroupMade = false;
        try {
            Cgroups.Placement cgroup = cgroups.create(id, spec.resources(), spec.security(), Cgroups.pathOf(spec));
            cgroupMade = true;
            Optional<Endpoint> endpoint = spec.network() == NetworkMode.BRIDGE
                    ? Optional.of(network.attach(id)) : Optional.empty();
            if (endpoint.isPresent()) container = container.attached(endpoint.get());
            boolean inPlace = spec.bundle().map(b -> b.terms().rootInPlace()).orElse(false);
            if (restored.isPresent() && !inPlace) {
                storage.prepareFromLayer(id, spec.root(), restored.get().layer());
                // a fork's clone counter, after the checkpoint's layer and before CRIU (issue 16, item 5)
                for (var f : new java.util.TreeMap<>(restored.get().files()).entrySet()) {
                    storage.writeInLayer(id, f.getKey(), f.getValue());
                }
            } else if (before.isPresent()) {
                storage.prepareAgain(id, spec.root());
            } else if (inPlace && spec.root() instanceof RootFs.Directory d) {
                storage.prepareInPlace(id, d);
            } else {
                storage.prepare(id, spec.root());
            }
            launched = restored.isPresent()
                    ? spawner.restore(id, spec, endpoint, cgroup, restored.get().from(), deadline)
                    : spawner.launch(id, spec, endpoint, cgroup, mode, deadline);
        } catch (RuntimeException e) {
            if (before.isPresent()) {
                undoRunAgain(before.get(), e);
                throw named(container, e, spec, true);
            }
            // a refused cgroup create leaves nothing of its own, and what was in the way at a bundle's
            // cgroupsPath is not Quilt's to remove
            if (cgroupMade) {
                forget.everything(id);
            } else {
                forget.everythingButTheCgroup(id);
                cgroups.removeParentIfUnused();
            }
            throw mode == ProcessSpawner.Mode.FOREGROUND ? e : named(container, e, spec, false);
        }
        try {
            container = mode.gated() && restored.isEmpty()
                    ? container.created(launched.process(), launched.monitor(), fromTheStart(launched.readiness(), begun))
                    : container.running(launched.process(), launched.monitor(), clock.now(),
                            fromTheStart(launched.readiness(), begun));
            state.save(container);
        } catch (RuntimeException e) {
            // no record of it running: it must not run
            launched.kill();
            launched.close();
            if (before.isPresent()) {
                undoRunAgain(before.get(), e);
            } else {
                forget.everything(id);
            }
            throw e;
        }
        return new Launch(container, launched, deadline);
    }

    /** A run again that failed: what it made goes, and the record is what it was (stopped, its last exit). */
    private void undoRunAgain(Container before, RuntimeException cause) {
        try {
            forget.theLastRun(before.id());
            state.clearLastRun(before.id());
            state.save(before);
        } catch (RuntimeException e) {
            cause.addSuppressed(e); // the record says creating with nothing running: rm and gc clear it
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
    private static RuntimeException named(Container c, RuntimeException e, ContainerSpec spec, boolean kept) {
        String who = "container '" + c.displayName() + "' is not ready: ";
        String after = kept ? "; it is stopped as it was (its layer kept)" : "; removed it";
        if (e instanceof SpawnFailedException s) {
            Phase phase = s.step() == SpawnFailedException.Step.NETWORK ? Phase.NETWORK : Phase.SPAWNED;
            return new NotReadyException(phase, who + "phase " + phase.word() + " failed: " + s.getMessage()
                    + after, s.exitCode());
        }
        if (e instanceof NotReadyException n) {
            return new NotReadyException(n.phase(), who + "phase " + n.phase().word() + " did not hold within "
                    + dev.quilt.domain.Durations.format(spec.ready().timeout()) + after);
        }
        return e;
    }
}

package dev.quilt.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dagger.Lazy;
import dev.quilt.domain.BrokenRecordException;
import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ContainerRecord;
import dev.quilt.domain.ExecveLimits;
import dev.quilt.domain.Image;
import dev.quilt.domain.ImageName;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.RootFs;
import dev.quilt.domain.Status;
import dev.quilt.ports.Clock;
import dev.quilt.ports.ContainerProcesses;
import dev.quilt.ports.ImageStore;
import dev.quilt.ports.StateStore;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.ContainerRequest;
import dev.quilt.usecases.CreateContainer;
import dev.quilt.usecases.KillContainer;
import dev.quilt.usecases.ListContainers;
import dev.quilt.usecases.PauseContainer;
import dev.quilt.usecases.RemoveContainer;
import dev.quilt.usecases.ResumeContainer;
import dev.quilt.usecases.RestartContainer;
import dev.quilt.usecases.StartContainer;
import dev.quilt.usecases.StopContainer;
import dev.quilt.usecases.WaitContainer;

import javax.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The Engine API's container verbs (API 1.41 "Container"): create ({@code ?ready=1}: and start, answering once
 * ready), start (answers once ready: spawned, network, exec, healthy), inspect, list, kill, stop, restart, pause,
 * unpause, delete; each through the use case the CLI's verb uses. Refusals are docker's: 404 {@code No such
 * container: X} / {@code No such image: X}, 409 for a name in use or a state that forbids the verb, 304 for a
 * start of a running or a stop of a stopped container. An exited container is started again, and restart stops
 * and starts one, keeping its ID, name, config and writable layer ({@link RestartContainer}). Publishes {@code kill},
 * {@code stop} and {@code restart} events; the others come from the state it changes. A container with
 * {@code AutoRemove} is removed once it exits while this server runs.
 */
public final class ContainerRoutes implements Routes {
    /** docker's default {@code t} of stop and restart, in seconds. */
    static final long DEFAULT_STOP_SECONDS = 10;
    /** How long a kill with SIGKILL waits for the exit before it answers anyway. */
    static final Duration KILL_DEADLINE = Duration.ofSeconds(10);

    private final Lazy<CreateContainer> create;
    private final Lazy<StartContainer> start;
    private final Lazy<RestartContainer> restart;
    private final Lazy<ContainerLookup> lookup;
    private final Lazy<ListContainers> list;
    private final Lazy<KillContainer> kill;
    private final Lazy<StopContainer> stop;
    private final Lazy<RemoveContainer> remove;
    private final Lazy<PauseContainer> pause;
    /** A freeze writes no file the watcher sees: it is told to read again, so pause/unpause events come at once. */
    private final Lazy<StateWatcher> watcher;
    private final RecentExits exits;
    private final Lazy<ResumeContainer> resume;
    private final Lazy<WaitContainer> waiter;
    private final Lazy<ImageStore> images;
    private final Lazy<StateStore> state;
    private final Lazy<ContainerProcesses> processes;
    private final Lazy<Clock> clock;
    private final EventBus events;
    /** Containers a restart is stopping: their AutoRemove waits for it (moby's HasBeenManuallyRestarted). */
    private final Set<ContainerId> restarting = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final NetworkNames networks;

    /** {@code start?checkpoint=}: the checkpoint routes' (issue 16); absent for servers without them (tests). */
    private final Optional<Lazy<CheckpointRoutes>> checkpoints;

    @Inject
    ContainerRoutes(Lazy<CreateContainer> create, Lazy<StartContainer> start, Lazy<RestartContainer> restart,
                    Lazy<ContainerLookup> lookup,
                    Lazy<ListContainers> list, Lazy<KillContainer> kill, Lazy<StopContainer> stop,
                    Lazy<RemoveContainer> remove, Lazy<PauseContainer> pause, Lazy<ResumeContainer> resume,
                    Lazy<WaitContainer> waiter, Lazy<ImageStore> images, Lazy<StateStore> state,
                    Lazy<ContainerProcesses> processes, Lazy<Clock> clock, EventBus events,
                    Lazy<StateWatcher> watcher, NetworkNames networks, RecentExits exits,
                    Lazy<CheckpointRoutes> checkpoints) {
        this(create, start, restart, lookup, list, kill, stop, remove, pause, resume, waiter, images, state, processes,
                clock, events, watcher, networks, exits, Optional.of(checkpoints));
    }

    ContainerRoutes(Lazy<CreateContainer> create, Lazy<StartContainer> start, Lazy<RestartContainer> restart,
                    Lazy<ContainerLookup> lookup,
                    Lazy<ListContainers> list, Lazy<KillContainer> kill, Lazy<StopContainer> stop,
                    Lazy<RemoveContainer> remove, Lazy<PauseContainer> pause, Lazy<ResumeContainer> resume,
                    Lazy<WaitContainer> waiter, Lazy<ImageStore> images, Lazy<StateStore> state,
                    Lazy<ContainerProcesses> processes, Lazy<Clock> clock, EventBus events,
                    Lazy<StateWatcher> watcher, NetworkNames networks, RecentExits exits) {
        this(create, start, restart, lookup, list, kill, stop, remove, pause, resume, waiter, images, state, processes,
                clock, events, watcher, networks, exits, Optional.empty());
    }

    private ContainerRoutes(Lazy<CreateContainer> create, Lazy<StartContainer> start, Lazy<RestartContainer> restart,
                            Lazy<ContainerLookup> lookup,
                            Lazy<ListContainers> list, Lazy<KillContainer> kill, Lazy<StopContainer> stop,
                            Lazy<RemoveContainer> remove, Lazy<PauseContainer> pause, Lazy<ResumeContainer> resume,
                            Lazy<WaitContainer> waiter, Lazy<ImageStore> images, Lazy<StateStore> state,
                            Lazy<ContainerProcesses> processes, Lazy<Clock> clock, EventBus events,
                            Lazy<StateWatcher> watcher, NetworkNames networks, RecentExits exits,
                            Optional<Lazy<CheckpointRoutes>> checkpoints) {
        this.checkpoints = checkpoints;
        this.exits = exits;
        this.watcher = watcher;
        this.networks = networks;
        this.create = create;
        this.start = start;
        this.restart = restart;
        this.lookup = lookup;
        this.list = list;
        this.kill = kill;
        this.stop = stop;
        this.remove = remove;
        this.pause = pause;
        this.resume = resume;
        this.waiter = waiter;
        this.images = images;
        this.state = state;
        this.processes = processes;
        this.clock = clock;
        this.events = events;
    }

    @Override
    public void register(Router r) {
        r.add("POST", "/containers/create", this::create);
        r.add("GET", "/containers/json", this::list);
        r.add("GET", "/containers/{id}/json", this::inspect);
        r.add("POST", "/containers/{id}/start", this::start);
        r.add("POST", "/containers/{id}/kill", this::kill);
        r.add("POST", "/containers/{id}/stop", this::stop);
        r.add("POST", "/containers/{id}/restart", this::restart);
        r.add("POST", "/containers/{id}/pause", this::pause);
        r.add("POST", "/containers/{id}/unpause", this::unpause);
        r.add("DELETE", "/containers/{id}", this::delete);
    }

    private void create(ApiCall c) {
        Optional<ContainerName> name = c.query("name").filter(n -> !n.isEmpty())
                .map(n -> n.startsWith("/") ? n.substring(1) : n)
                .map(n -> DockerCreate.field("name", () -> ContainerName.of(n)));
        if (c.header("Content-Length").map(String::strip).filter("0"::equals).isPresent()
                && c.header("Transfer-Encoding").isEmpty()) {
            throw ApiException.badRequest("config cannot be empty in order to create a container: send the container's"
                    + " config as JSON ({} for Quilt's default image and a persistent sandbox)");
        }
        JsonNode body = c.json();
        if (body.isObject() && body.path("Image").isTextual() && !body.path("Image").asText().isEmpty()) {
            Optional<Image> image = image(body.path("Image").asText());
            if (image.isPresent()) ((ObjectNode) body).put("Image", image.get().digest().value());
            else ((ObjectNode) body).remove("Image"); // Quilt's default image, made on first use
        }
        ContainerRequest req = DockerCreate.request(body, name, networks::resolves);
        name.ifPresent(this::requireFree);
        Container made = launch(req, c.flag("ready", false));
        c.reply(201, Map.of("Id", made.id().value(), "Warnings", List.of()));
    }

    /**
     * The image {@code ref} names: a Quilt image name, digest or unique prefix; docker's clients add {@code :latest}
     * to a bare name, which is the bare name here. Empty: Quilt's default image, which is made on first use. None
     * of these: docker's 404.
     */
    private Optional<Image> image(String ref) {
        // as given first, then by docker's naming rule (the images routes' own: DockerImageRefs)
        String bare = dev.quilt.domain.DockerImageRefs.toQuilt(ref);
        Optional<Image> found = images.get().find(ref);
        if (found.isEmpty() && !bare.equals(ref)) found = images.get().find(bare);
        if (found.isEmpty() && bare.equals(ImageName.DEFAULT.value())) return Optional.empty();
        return Optional.of(found.orElseThrow(() -> ApiException.notFound("No such image: " + ref)));
    }

    /** Created, or with {@code ready} run and ready; a refusal of the engine's rules names the body's field. */
    private Container launch(ContainerRequest req, boolean ready) {
        Container made;
        try {
            made = ready ? create.get().runDetached(req) : create.get().create(req);
        } catch (QuiltException e) {
            req.name().ifPresent(this::requireFree); // lost a race for the name: docker's line
            if (e instanceof ExecveLimits.Refused r) {
                // what execve cannot take: dockerd fails the start (exec: "": executable file not found: 127;
                // argument list too long: its 500 and the docker CLI's 125); Quilt knows at create
                throw ApiException.badRequest((r.part() == ExecveLimits.Part.ENVIRONMENT ? "Env: "
                        : r.part() == ExecveLimits.Part.TOTAL ? "Cmd and Env: " : "Cmd: ") + e.getMessage());
            }
            if (e.kind() == QuiltException.Kind.INVALID_INPUT) throw ApiException.badRequest(DockerCreate.inFields(e.getMessage()));
            throw e;
        }
        if (ready && made.autoRemove()) removeWhenExited(made.id());
        return made;
    }

    private void requireFree(ContainerName n) {
        lookup.get().named(n).ifPresent(id -> {
            throw ApiException.conflict("Conflict. The container name \"/" + n + "\" is already in use by container \""
                    + id.value() + "\". You have to remove (or rename) that container to be able to reuse that name.");
        });
    }

    /** The container {@code ref} names, as it is now; docker's 404 when there is none. */
    private Container container(String ref) {
        try {
            return lookup.get().get(ref);
        } catch (BrokenRecordException e) {
            throw new ApiException(500, e.getMessage());
        }
    }

    private void inspect(ApiCall c) {
        Container ctr = container(c.param("id"));
        c.reply(200, DockerContainerJson.inspect(ctr, state.get().recordedExit(ctr.id()), imageOf(ctr, new HashMap<>())));
    }

    private DockerContainerJson.ImageRef imageOf(Container c, Map<String, DockerContainerJson.ImageRef> seen) {
        if (!(c.spec().root() instanceof RootFs.Image i)) {
            return new DockerContainerJson.ImageRef(c.spec().root().describe(), "");
        }
        return seen.computeIfAbsent(i.digest().value(), d -> {
            try {
                Optional<Image> image = images.get().find(d);
                String name = image.filter(x -> !x.names().isEmpty()).map(x -> x.names().get(0).toString()).orElse(d);
                return new DockerContainerJson.ImageRef(name, d);
            } catch (RuntimeException e) {
                return new DockerContainerJson.ImageRef(d, d); // its metadata broke: the container still shows
            }
        });
    }

    private void list(ApiCall c) {
        boolean all = c.flag("all", false);
        long limit = c.number("limit", -1);
        DockerFilters filters = DockerFilters.parse(c.query("filters"));
        Map<String, Set<String>> ancestors = new HashMap<>();
        for (String a : filters.ancestors()) ancestors.put(a, ancestorIds(a));
        List<Container> shown = new ArrayList<>();
        for (ContainerRecord r : list.get().list(true)) {
            if (!(r instanceof ContainerRecord.Readable ok)) continue; // a broken record never fails the list
            Container ctr = ok.container();
            boolean live = ctr.status() == Status.RUNNING || ctr.status() == Status.PAUSED;
            if (!all && limit <= 0 && !filters.hasStatus() && !live) continue;
            if (!filters.matches(ctr, a -> ancestors.getOrDefault(a, Set.of()))) continue;
            shown.add(ctr);
        }
        shown.sort(Comparator.comparing(Container::createdAt).reversed());
        if (limit > 0 && shown.size() > limit) shown = shown.subList(0, (int) limit);
        Instant now = clock.get().now();
        Map<String, DockerContainerJson.ImageRef> seen = new HashMap<>();
        List<Object> out = new ArrayList<>();
        for (Container ctr : shown) {
            try {
                out.add(DockerContainerJson.summary(ctr, imageOf(ctr, seen), now));
            } catch (RuntimeException e) {
                // one container that cannot be shown is left out, never the whole list
            }
        }
        c.reply(200, out);
    }

    private Set<String> ancestorIds(String ref) {
        try {
            return images.get().resolve(ref).map(d -> Set.of(d.value())).orElse(Set.of());
        } catch (RuntimeException e) {
            return Set.of();
        }
    }

    private void start(ApiCall c) {
        String ref = c.param("id");
        Container ctr = container(ref);
        Optional<String> checkpoint = c.query("checkpoint").filter(n -> !n.isEmpty());
        if (checkpoint.isPresent() && checkpoints.isPresent()) {
            checkpoints.get().get().startFrom(c, ctr, checkpoint.get());
            return;
        }
        switch (ctr.status()) {
            case RUNNING -> {
                c.replyEmpty(304);
                return;
            }
            case PAUSED -> throw ApiException.conflict("cannot start a paused container, try unpause instead");
            case STOPPED -> {
                // dockerd starts an exited container again with its ID, name, config and writable layer
                if (!(ctr.spec().root() instanceof RootFs.Image)) throw bundleRefused(ctr);
                Container again = restart.get().startAgain(ctr.id().value());
                if (again.autoRemove()) removeWhenExited(again.id());
                c.replyEmpty(204);
                return;
            }
            default -> { }
        }
        Container running = start.get().start(ctr.id());
        if (running.autoRemove()) removeWhenExited(running.id());
        c.replyEmpty(204);
    }

    private void kill(ApiCall c) {
        String ref = c.param("id");
        String signal = c.query("signal").filter(s -> !s.isBlank()).orElse("KILL");
        int number = processes.get().signalNumber(signal);
        Container ctr = container(ref);
        if (ctr.status() != Status.RUNNING && ctr.status() != Status.PAUSED) {
            throw ApiException.conflict("Cannot kill container: " + ref + ": Container " + ctr.id().value()
                    + " is not running");
        }
        kill.get().kill(ctr.id().value(), String.valueOf(number));
        publish("kill", ctr, Map.of("signal", String.valueOf(number)));
        if (number == processes.get().sigkill() && ctr.monitor().isPresent()) {
            // dockerd's kill with SIGKILL answers once the container is gone (moby daemon/kill.go), so an inspect
            // right after it sees it exited; a task stuck in the kernel does not hold the answer past the deadline
            processes.get().awaitExit(ctr.id(), ctr.monitor().get(), ctr.init(), Optional.of(KILL_DEADLINE));
        }
        c.replyEmpty(204);
    }

    private Duration grace(ApiCall c) {
        long t = c.number("t", DEFAULT_STOP_SECONDS);
        if (t < 0) throw ApiException.badRequest("invalid value for t: " + t + "; give the seconds to wait before"
                + " SIGKILL (0 or more)");
        return Duration.ofSeconds(t);
    }

    private void stop(ApiCall c) {
        Duration grace = grace(c);
        Container ctr = container(c.param("id"));
        if (ctr.status() != Status.RUNNING && ctr.status() != Status.PAUSED) {
            c.replyEmpty(304);
            return;
        }
        try {
            stop.get().stop(ctr.id().value(), grace);
        } catch (QuiltException e) {
            // an AutoRemove container may go between its exit and the stop's look at it: it stopped
            if (!(ctr.autoRemove() && e.kind() == QuiltException.Kind.NOT_FOUND)) throw e;
        }
        publish("stop", ctr, Map.of());
        c.replyEmpty(204);
    }

    /**
     * Stops the container (if it runs) and runs it again with its ID, name, config and writable layer
     * ({@link RestartContainer#restart}); a created one, which never ran, is started. The stop of a restart does not
     * remove an AutoRemove container (moby's daemon/monitor.go: a manual restart gates autoRemove); one that had
     * exited and gone before is docker's 404. An OCI bundle's container is refused (its bundle is the caller's).
     */
    private void restart(ApiCall c) {
        Duration grace = grace(c);
        Container ctr = container(c.param("id"));
        if (!(ctr.spec().root() instanceof RootFs.Image)) throw bundleRefused(ctr);
        Container again;
        restarting.add(ctr.id());
        try {
            again = restart.get().restart(ctr.id().value(), grace);
        } catch (QuiltException e) {
            // AutoRemove took it at its stop, as dockerd's does
            if (e.kind() == QuiltException.Kind.NOT_FOUND && lookup.get().record(ctr.id()).isEmpty()) {
                throw ApiException.notFound("No such container: " + c.param("id"));
            }
            throw e;
        } finally {
            restarting.remove(ctr.id());
        }
        if (again.autoRemove()) removeWhenExited(again.id());
        publish("restart", again, Map.of());
        c.replyEmpty(204);
    }

    private static ApiException bundleRefused(Container ctr) {
        return ApiException.conflict("container " + ctr.displayName() + " was made from an OCI bundle; start and"
                + " restart run again only containers made from an image");
    }

    private void pause(ApiCall c) {
        Container ctr = container(c.param("id"));
        if (ctr.status() == Status.PAUSED) {
            throw ApiException.conflict("Container " + ctr.id().value() + " is already paused");
        }
        if (ctr.status() != Status.RUNNING) {
            throw ApiException.conflict("Container " + ctr.id().value() + " is not running");
        }
        pause.get().pause(ctr.id().value());
        watcher.get().refresh();
        c.replyEmpty(204);
    }

    private void unpause(ApiCall c) {
        Container ctr = container(c.param("id"));
        if (ctr.status() != Status.PAUSED) {
            throw ApiException.conflict("Container " + ctr.id().value() + " is not paused");
        }
        resume.get().resume(ctr.id().value());
        watcher.get().refresh();
        c.replyEmpty(204);
    }

    /**
     * docker's rm: a running (or paused) container only with {@code force}; a created one, which never ran, is
     * removed without it (Quilt's init waiting for start is killed). {@code v} is accepted: Quilt makes no
     * anonymous volumes. A broken record only with {@code force}.
     */
    private void delete(ApiCall c) {
        String ref = c.param("id");
        boolean force = c.flag("force", false);
        c.flag("v", false);
        ContainerId id = lookup.get().resolve(ref);
        Optional<ContainerRecord> now = lookup.get().record(id);
        if (now.isEmpty()) throw ApiException.notFound("No such container: " + ref);
        boolean forced = force;
        if (now.get() instanceof ContainerRecord.Readable ok) {
            Status s = ok.container().status();
            // a persisted one is checkpointed first by the removal (issue 16): no force needed
            boolean persisted = dev.quilt.domain.PersistPolicy.onRemove(ok.container())
                    == dev.quilt.domain.PersistPolicy.OnRemove.CHECKPOINT_THEN_REMOVE;
            if ((s == Status.RUNNING || s == Status.PAUSED) && !force && !persisted) {
                throw ApiException.conflict("You cannot remove a " + (s == Status.PAUSED ? "paused" : "running")
                        + " container " + id.value() + ". " + (s == Status.PAUSED ? "Unpause and then stop"
                        : "Stop") + " the container before attempting removal or force remove");
            }
            forced = force || s == Status.CREATED;
        }
        try {
            remove.get().remove(id.value(), forced);
        } catch (QuiltException e) {
            if (e.kind() == QuiltException.Kind.NOT_FOUND) throw ApiException.notFound("No such container: " + ref);
            throw e;
        }
        c.replyEmpty(204);
    }

    private void publish(String action, Container c, Map<String, String> extra) {
        events.publish(ApiEvent.ofContainer(action, c, extra, clock.get().now()));
    }

    /**
     * docker's AutoRemove: once the container exits, it is removed. A thread of its own waits on the exit (the
     * monitor's pidfd, {@link WaitContainer}) and removes it; a container removed meanwhile is left be.
     */
    private void removeWhenExited(ContainerId id) {
        Thread t = new Thread(() -> {
            try {
                dev.quilt.domain.ExitStatus how = waiter.get().await(id.value());
                if (restarting.contains(id)) return; // the restart runs it again, and waits on the new run
                exits.exited(id, how); // before it goes: a wait on it still answers with its code
                remove.get().remove(id.value(), false);
            } catch (RuntimeException e) {
                // removed meanwhile, or its record broke: 'quilt gc' clears what is left
            }
        }, "auto-remove-" + id.shortForm());
        t.setDaemon(true);
        t.start();
    }
}

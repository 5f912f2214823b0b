package dev.quilt.cli.serve;

import dagger.Lazy;
import dev.quilt.domain.BrokenRecordException;
import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Status;
import dev.quilt.domain.checkpoint.CheckpointName;
import dev.quilt.ports.CheckpointStore;
import dev.quilt.ports.Clock;
import dev.quilt.usecases.CheckpointContainer;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.ForkContainer;
import dev.quilt.usecases.ListCheckpoints;
import dev.quilt.usecases.RemoveContainer;
import dev.quilt.usecases.RestoreContainer;

import javax.inject.Inject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Engine API's experimental checkpoint routes (API 1.41 "Checkpoint", what {@code docker checkpoint
 * create|ls|rm} and {@code docker start --checkpoint} call) and Quilt's fork route, each through the use case the CLI
 * uses (issue 16):
 * <ul>
 *   <li>{@code POST /containers/{id}/checkpoints} {@code {"CheckpointID", "Exit"}}: {@link CheckpointContainer}
 *       ({@code Exit} false, docker's zero value: {@code --leave-running}); 201;</li>
 *   <li>{@code GET /containers/{id}/checkpoints}: {@code [{"Name": …}]}, newest first;</li>
 *   <li>{@code DELETE /containers/{id}/checkpoints/{name}}: 204;</li>
 *   <li>{@code POST /containers/{id}/start?checkpoint=NAME} ({@link #startFrom}): the stopped or created container
 *       is replaced by the checkpoint's restore under its name, ready when answered (a new ID: Quilt restores into a
 *       new container);</li>
 *   <li>{@code POST /containers/{id}/checkpoints/{name}/restore?copies=N&name=…}: {@link ForkContainer} (with
 *       {@code copies}, {@code name} is the copies' prefix) or one {@link RestoreContainer} (without, {@code name} is
 *       the new container's); 201 {@code {"Ids": […]}}, every container ready.</li>
 * </ul>
 * {@code dir}/{@code checkpoint-dir}/{@code CheckpointDir} are refused (400): checkpoints stay under the root.
 * The routes on checkpoints (list, delete, restore) reach a removed container's checkpoints by its ID, ID prefix or
 * name at the dump, as the CLI's checkpoint references do; creating a checkpoint and {@code start} need the container.
 * Unknown containers are docker's 404 {@code No such container: X}, unknown checkpoints 404 {@code No such
 * checkpoint: X/NAME}; a refusal of the use cases keeps its status and line.
 */
public final class CheckpointRoutes implements Routes {
    private final Lazy<CheckpointContainer> checkpoint;
    private final Lazy<RestoreContainer> restore;
    private final Lazy<ForkContainer> fork;
    private final Lazy<ListCheckpoints> checkpoints;
    private final Lazy<ContainerLookup> lookup;
    private final Lazy<RemoveContainer> remove;
    private final Lazy<Clock> clock;

    @Inject
    CheckpointRoutes(Lazy<CheckpointContainer> checkpoint, Lazy<RestoreContainer> restore, Lazy<ForkContainer> fork,
                     Lazy<ListCheckpoints> checkpoints, Lazy<ContainerLookup> lookup, Lazy<RemoveContainer> remove,
                     Lazy<Clock> clock) {
        this.checkpoint = checkpoint;
        this.restore = restore;
        this.fork = fork;
        this.checkpoints = checkpoints;
        this.lookup = lookup;
        this.remove = remove;
        this.clock = clock;
    }

    @Override
    public void register(Router r) {
        r.add("POST", "/containers/{id}/checkpoints", this::create);
        r.add("GET", "/containers/{id}/checkpoints", this::list);
        r.add("DELETE", "/containers/{id}/checkpoints/{name}", this::delete);
        r.add("POST", "/containers/{id}/checkpoints/{name}/restore", this::restore);
    }

    private Container container(String ref) {
        try {
            return lookup.get().get(ref);
        } catch (BrokenRecordException e) {
            throw new ApiException(500, e.getMessage());
        }
    }

    private void create(ApiCall c) {
        Container ctr = container(c.param("id"));
        DockerCheckpoints.Create body = DockerCheckpoints.create(c.json(), clock.get().now());
        checkpoint.get().checkpoint(new CheckpointContainer.Command(ctr.id().value(), Optional.of(body.name()),
                body.leaveRunning(), false));
        c.replyEmpty(201);
    }

    /**
     * The checkpoints of {@code ctr}, newest first: those taken of it, and those taken of an earlier container of its
     * name (a {@code start?checkpoint=} or a persisted create made it anew under a new ID).
     */
    private List<CheckpointStore.Stored> of(Container ctr) {
        List<CheckpointStore.Stored> out = new ArrayList<>();
        for (CheckpointStore.Stored s : checkpoints.get().list(Optional.empty())) {
            if (s.id().equals(ctr.id()) || (ctr.name().isPresent() && s.containerName().equals(ctr.name()))) {
                out.add(s);
            }
        }
        out.sort(java.util.Comparator.comparing(CheckpointStore.Stored::entry,
                dev.quilt.domain.checkpoint.CheckpointRef.NEWEST_FIRST));
        return out;
    }

    /**
     * The checkpoints {@code {id}} reaches, newest first: a container's ({@link #of(Container)}); else, when no
     * container is called so, those of the removed containers it names as the CLI's checkpoint references do (ID,
     * name at the dump, unique ID prefix: {@link CheckpointStore#of}), so a persisted container's checkpoints are
     * reached after its {@code rm}. Docker's 404 when it names neither.
     */
    private List<CheckpointStore.Stored> of(String ref) {
        try {
            return of(lookup.get().get(ref));
        } catch (BrokenRecordException e) {
            throw new ApiException(500, e.getMessage());
        } catch (QuiltException e) {
            if (e.kind() != QuiltException.Kind.NOT_FOUND) throw e;
        }
        List<CheckpointStore.Stored> gone = ofRemoved(ref);
        if (gone.isEmpty()) throw ApiException.notFound("No such container: " + ref);
        return gone;
    }

    private List<CheckpointStore.Stored> ofRemoved(String ref) {
        try {
            return checkpoints.get().list(Optional.of(ref));
        } catch (QuiltException e) {
            if (e.kind() == QuiltException.Kind.NOT_FOUND) return List.of();
            throw e;
        }
    }

    private void list(ApiCall c) {
        DockerCheckpoints.noDir(c.query("dir"), "dir");
        List<Map<String, Object>> out = new ArrayList<>();
        for (CheckpointStore.Stored s : of(c.param("id"))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("Name", s.name().value());
            out.add(m);
        }
        c.reply(200, out);
    }

    /** The newest checkpoint named {@code name} of {@code among}; docker's 404 when there is none. */
    private static CheckpointStore.Stored stored(List<CheckpointStore.Stored> among, CheckpointName name, String ref) {
        return among.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> ApiException.notFound("No such checkpoint: " + ref + "/" + name.value()));
    }

    private void delete(ApiCall c) {
        DockerCheckpoints.noDir(c.query("dir"), "dir");
        String ref = c.param("id");
        List<CheckpointStore.Stored> among = of(ref);
        CheckpointName name = DockerCheckpoints.name("checkpoint", c.param("name"));
        CheckpointStore.Stored s = stored(among, name, ref);
        checkpoints.get().remove(s.id().value() + "/" + s.name().value());
        c.replyEmpty(204);
    }

    private void restore(ApiCall c) {
        String ref = c.param("id");
        List<CheckpointStore.Stored> among = of(ref);
        CheckpointName name = DockerCheckpoints.name("name", c.param("name"));
        CheckpointStore.Stored s = stored(among, name, ref);
        Optional<String> given = c.query("name").filter(n -> !n.isEmpty());
        String exact = s.id().value() + "/" + s.name().value();
        List<String> ids = new ArrayList<>();
        if (c.query("copies").isPresent()) {
            int copies = DockerCheckpoints.copies(c.number("copies", 1));
            given.ifPresent(p -> DockerCreate.field("name", () -> ContainerName.of(p)));
            for (Container made : fork.get().fork(new ForkContainer.Command(exact, copies, given, Optional.empty(),
                    Runtime.getRuntime().availableProcessors()))) {
                ids.add(made.id().value());
            }
        } else {
            Optional<ContainerName> newName = given.map(n -> DockerCreate.field("name", () -> ContainerName.of(n)));
            ids.add(restore.get().restore(s, new RestoreContainer.Command(exact, newName, Optional.empty(), false),
                    RestoreContainer.Copy.AS_SAVED).id().value());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("Ids", ids);
        body.put("Warnings", List.of());
        c.reply(201, body);
    }

    private static boolean asksPersist(Container ctr) {
        try {
            return dev.quilt.domain.PersistPolicy.asked(ctr.spec().labels());
        } catch (QuiltException e) {
            return false; // a record made before the key was Quilt's: not persisted
        }
    }

    /**
     * {@code POST /containers/{id}/start?checkpoint=NAME}: docker restores the checkpoint into the container; Quilt
     * restores into a new one, so the container (stopped or created: a running one is a 409) is checked against the
     * checkpoint first (it must be whole: a damaged one is refused and the container kept), then removed, and the
     * checkpoint restored under its name, answered once ready.
     */
    void startFrom(ApiCall c, Container ctr, String checkpointName) {
        DockerCheckpoints.noDir(c.query("checkpoint-dir"), "checkpoint-dir");
        if (ctr.status() == Status.RUNNING || ctr.status() == Status.PAUSED) {
            throw ApiException.conflict("container " + ctr.id().value() + " is " + ctr.status().word()
                    + "; stop it before starting it from a checkpoint");
        }
        CheckpointName name = DockerCheckpoints.name("checkpoint", checkpointName);
        CheckpointStore.Stored s = stored(of(ctr), name, c.param("id"));
        restore.get().verify(s); // before the container goes: a damaged checkpoint changes nothing
        remove.get().remove(ctr.id().value(), true);
        // it takes the place of ctr under ctr's name: persisted if ctr was (a restore drops Quilt's own labels)
        boolean persisted = asksPersist(ctr);
        restore.get().restore(s, new RestoreContainer.Command(s.id().value() + "/" + s.name().value(), ctr.name(),
                Optional.empty(), false), new RestoreContainer.Copy(spec -> {
                    if (!persisted) return spec;
                    Map<String, String> labels = new LinkedHashMap<>(spec.labels());
                    labels.put(dev.quilt.domain.PersistPolicy.LABEL, "true");
                    return spec.withLabels(labels);
                }, Map.of()));
        c.replyEmpty(204);
    }
}

package dev.quilt.cli.serve;

import dagger.Lazy;
import dev.quilt.domain.Container;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ResourceUpdate;
import dev.quilt.domain.Status;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.RenameContainer;
import dev.quilt.usecases.UpdateResources;

import javax.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The Engine API's verbs that change a container's settings (API 1.41 "Container"):
 * <ul>
 * <li>{@code POST /containers/{id}/update} ({@code docker update}): the body ({@link DockerUpdate}) through
 * {@link UpdateResources}, the use case of {@code quilt update} and {@code quilt-runc update}; answers
 * {@code {"Warnings": []}}; a field Quilt cannot honour is a 400 naming it; a stopped container is a 409 (its
 * limits are changed on a live cgroup only). Publishes docker's {@code update} event.</li>
 * <li>{@code POST /containers/{id}/rename?name=NEW} ({@code docker rename}): {@link RenameContainer}; 204; a name
 * in use is dockerd's 409 ({@code Error when allocating new name: Conflict. The container name "/x" is already in
 * use…}), an invalid or empty name or the same name again a 400. Publishes docker's {@code rename} event with
 * {@code oldName} ({@code /old}) and the new {@code name}.</li>
 * <li>{@code POST /containers/{id}/resize?h=&w=}: Quilt's containers never have a terminal (create refuses
 * {@code Tty}), so this answers as dockerd does for a running container without one (containerd's shim resizes
 * no console and says nothing: 200); a container not running is dockerd's 409 {@code Container ID is not running};
 * {@code h} or {@code w} not a number dockerd's 400. An exec's terminal has its own route
 * ({@code /exec/{id}/resize}).</li>
 * </ul>
 * An unknown container is docker's 404 {@code No such container: X} on each.
 */
public final class ContainerConfigRoutes implements Routes {
    private final Lazy<UpdateResources> update;
    private final Lazy<RenameContainer> rename;
    private final Lazy<ContainerLookup> lookup;
    private final EventBus events;
    private final dev.quilt.ports.HostLimits host;

    @Inject
    ContainerConfigRoutes(Lazy<UpdateResources> update, Lazy<RenameContainer> rename, Lazy<ContainerLookup> lookup,
                          EventBus events, dev.quilt.ports.HostLimits host) {
        this.update = update;
        this.rename = rename;
        this.lookup = lookup;
        this.events = events;
        this.host = host;
    }

    @Override
    public void register(Router r) {
        r.add("POST", "/containers/{id}/update", this::update);
        r.add("POST", "/containers/{id}/rename", this::rename);
        r.add("POST", "/containers/{id}/resize", this::resize);
    }

    private void update(ApiCall c) {
        String ref = c.param("id");
        ResourceUpdate change = DockerUpdate.change(c.json(), host.cpus());
        Container ctr = lookup.get().get(ref); // docker's 404 before anything else
        if (change.isEmpty()) {
            c.reply(200, Map.of("Warnings", List.of())); // moby: all-zero resources change nothing
            return;
        }
        Container updated;
        try {
            updated = update.get().update(ctr.id().value(), change);
        } catch (QuiltException e) {
            if (e.kind() == QuiltException.Kind.INVALID_INPUT) {
                throw ApiException.badRequest("invalid update: " + DockerUpdate.inFields(e.getMessage()));
            }
            throw e;
        }
        publish("update", updated, Map.of());
        c.reply(200, Map.of("Warnings", List.of()));
    }

    private void rename(ApiCall c) {
        String ref = c.param("id");
        String name = c.query("name").orElse("");
        RenameContainer.Renamed done;
        try {
            done = rename.get().rename(ref, name);
        } catch (QuiltException e) {
            if (e.kind() == QuiltException.Kind.CONFLICT && e.getMessage().startsWith("Conflict.")) {
                throw ApiException.conflict("Error when allocating new name: " + e.getMessage());
            }
            if (e.kind() == QuiltException.Kind.INVALID_INPUT) throw ApiException.badRequest("name: " + e.getMessage());
            throw e;
        }
        publish("rename", done.container(), Map.of("oldName", done.oldName().map(n -> "/" + n).orElse("")));
        c.replyEmpty(204);
    }

    private void resize(ApiCall c) {
        Container ctr = lookup.get().get(c.param("id"));
        size(c, "h");
        size(c, "w");
        if (ctr.status() != Status.RUNNING && ctr.status() != Status.PAUSED) {
            throw ApiException.conflict("Container " + ctr.id().value() + " is not running");
        }
        c.replyEmpty(200);
    }

    /** dockerd reads {@code h} and {@code w} with Go's {@code strconv.Atoi}: its words when one is no number. */
    private static int size(ApiCall c, String name) {
        String v = c.query(name).orElse("");
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("strconv.Atoi: parsing \"" + v + "\": invalid syntax (give " + name
                    + "=" + (name.equals("h") ? "ROWS" : "COLUMNS") + ")");
        }
    }

    private void publish(String action, Container c, Map<String, String> extra) {
        events.publish(ApiEvent.ofContainer(action, c, extra, Instant.now()));
    }
}

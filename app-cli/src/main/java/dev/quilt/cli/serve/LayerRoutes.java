package dev.quilt.cli.serve;

import dagger.Lazy;
import dev.quilt.domain.Container;
import dev.quilt.domain.LayerDiff;
import dev.quilt.usecases.ContainerFilesystem;

import javax.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A container's root filesystem (API 1.41 "Container"), through {@link ContainerFilesystem}:
 * <ul>
 * <li>{@code GET /containers/{id}/changes} ({@code docker diff}): {@code [{"Path": "/x", "Kind": 0|1|2}]} (0
 * modified, 1 added, 2 deleted; {@link LayerDiff}'s rules), or {@code null} when nothing changed, as dockerd
 * answers.</li>
 * <li>{@code GET /containers/{id}/export} ({@code docker export}): the merged root filesystem as a tar
 * ({@code application/x-tar}), streamed entry by entry as it is read, never held whole. Publishes docker's
 * {@code export} event.</li>
 * </ul>
 * Both work on created, running, paused and stopped containers; an unknown one is docker's 404, one still being
 * created a 409. Nothing is mounted for either.
 */
public final class LayerRoutes implements Routes {
    private final Lazy<ContainerFilesystem> fs;
    private final EventBus events;

    @Inject
    LayerRoutes(Lazy<ContainerFilesystem> fs, EventBus events) {
        this.fs = fs;
        this.events = events;
    }

    @Override
    public void register(Router r) {
        r.add("GET", "/containers/{id}/changes", this::changes);
        r.add("GET", "/containers/{id}/export", this::export);
    }

    private void changes(ApiCall c) {
        List<LayerDiff.Change> changes = fs.get().changes(c.param("id"));
        if (changes.isEmpty()) {
            c.replyBytes(200, "application/json", "null\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), Map.of());
            return;
        }
        List<Map<String, Object>> out = new ArrayList<>(changes.size());
        for (LayerDiff.Change ch : changes) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("Path", ch.path());
            m.put("Kind", ch.kind().code());
            out.add(m);
        }
        c.reply(200, out);
    }

    private void export(ApiCall c) throws IOException {
        Container ctr = fs.get().readable(c.param("id")); // refusals before the 200
        try (OutputStream out = c.stream(200, "application/x-tar", Map.of())) {
            fs.get().export(ctr.id().value(), out);
        }
        events.publish(ApiEvent.ofContainer("export", ctr, Map.of(), java.time.Instant.now()));
    }
}

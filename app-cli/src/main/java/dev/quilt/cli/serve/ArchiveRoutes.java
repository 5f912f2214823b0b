package dev.quilt.cli.serve;

import dagger.Lazy;
import dev.quilt.domain.PathStat;
import dev.quilt.ports.ContainerFiles;
import dev.quilt.usecases.ContainerArchive;

import javax.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Map;

/**
 * {@code /containers/{id}/archive} (API 1.41 "Containers": "Get an archive of a filesystem resource in a
 * container", "Get information about files in a container", "Extract an archive of files or folders to a
 * directory in a container"): {@code GET} a tar of {@code path} (its top entry the path's base name) with the
 * path's stat in {@code X-Docker-Container-Path-Stat} (base64 of {@link PathStat#json}); {@code HEAD} that header
 * only; {@code PUT} a tar (plain, gzip, bzip2, xz) extracted under the directory {@code path}. Both ways stream:
 * the request body and the answer go through a pipe to quilt-archive 64 KiB at a time. Statuses: 404 a missing
 * path or container, 400 put under a non-directory or a refused tar entry, 409 a container not running or paused.
 * Each call publishes docker's container event ({@code archive-path} for GET and HEAD, {@code extract-to-dir} for
 * PUT), which idle timers count as activity.
 */
public final class ArchiveRoutes implements Routes {
    static final String STAT_HEADER = "X-Docker-Container-Path-Stat";

    private final Lazy<ContainerArchive> archive;
    private final Lazy<dev.quilt.usecases.ContainerLookup> lookup;
    private final EventBus events;

    @Inject
    ArchiveRoutes(Lazy<ContainerArchive> archive, EventBus events, Lazy<dev.quilt.usecases.ContainerLookup> lookup) {
        this.lookup = lookup;
        this.archive = archive;
        this.events = events;
    }

    @Override
    public void register(Router r) {
        r.add("GET", "/containers/{id}/archive", this::get);
        r.add("HEAD", "/containers/{id}/archive", this::head);
        r.add("PUT", "/containers/{id}/archive", this::put);
    }

    private static String path(ApiCall c) {
        return c.query("path").filter(p -> !p.isEmpty())
                .orElseThrow(() -> ApiException.badRequest("path: give the path in the container (?path=/dir)"));
    }

    private static String statHeader(PathStat s) {
        try {
            return Base64.getEncoder().encodeToString(ApiJson.MAPPER.writeValueAsBytes(s.json()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void head(ApiCall c) {
        String id = c.param("id");
        PathStat s = archive.get().stat(id, path(c));
        published(id, "archive-path");
        c.replyBytes(200, "application/x-tar", new byte[0], Map.of(STAT_HEADER, statHeader(s)));
    }

    private void get(ApiCall c) throws IOException {
        String id = c.param("id");
        String path = path(c);
        PathStat s = archive.get().stat(id, path);
        published(id, "archive-path");
        try (OutputStream out = c.stream(200, "application/x-tar", Map.of(STAT_HEADER, statHeader(s)))) {
            archive.get().get(id, path, out);
        }
    }

    private void put(ApiCall c) {
        String id = c.param("id");
        ContainerFiles.PutOptions o = new ContainerFiles.PutOptions(c.flag("noOverwriteDirNonDir", false),
                c.flag("copyUIDGID", false));
        archive.get().put(id, path(c), c.body(), o);
        published(id, "extract-to-dir");
        c.replyEmpty(200);
    }

    /** docker's event names the container by its ID (so {@code --filter container=ID} finds it), and its name. */
    private void published(String ref, String action) {
        java.time.Instant t = java.time.Instant.now();
        dev.quilt.domain.Container c;
        try {
            c = lookup.get().get(ref);
        } catch (dev.quilt.domain.QuiltException gone) {
            return; // removed since: no container to name
        }
        Map<String, String> attrs = new java.util.LinkedHashMap<>(c.spec().labels());
        attrs.put("name", c.displayName());
        events.publish(new ApiEvent("container", action, c.id().value(), attrs,
                t.getEpochSecond() * 1_000_000_000L + t.getNano()));
    }
}

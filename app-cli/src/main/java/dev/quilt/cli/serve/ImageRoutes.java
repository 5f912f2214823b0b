package dev.quilt.cli.serve;

import dagger.Lazy;
import dev.quilt.domain.Digest;
import dev.quilt.domain.DockerImageRefs;
import dev.quilt.domain.Image;
import dev.quilt.domain.ImageName;
import dev.quilt.linux.Abandoned;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.ports.ImageStore;
import dev.quilt.usecases.LoadImage;
import dev.quilt.usecases.SaveImage;
import dev.quilt.usecases.RemoveImage;

import javax.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Images as the Engine API serves them (API 1.41 "Image"): {@code GET /images/json}, {@code GET /images/{name}/json},
 * {@code DELETE /images/{name}}, {@code POST /images/load}, {@code GET /images/{name}/get} (save), and
 * {@code POST /images/create} (pull), which Quilt
 * cannot do: it has no registry, and says to load the image instead. Names are docker's, mapped to Quilt's by
 * {@link DockerImageRefs} ({@code busybox} and {@code busybox:latest} are one image). Every verb goes through the
 * engine's use cases ({@link LoadImage}, {@link SaveImage}, {@link RemoveImage}) and store, as {@code quilt image}
 * does.
 */
public final class ImageRoutes implements Routes {
    /** What an image holds for a process's environment when nothing else says (docker's default PATH). */
    static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final Lazy<ImageStore> images;
    private final Lazy<RemoveImage> remove;
    private final Lazy<LoadImage> load;
    private final Lazy<SaveImage> save;
    private final LinuxPaths paths;
    private final EventBus events;

    @Inject
    ImageRoutes(Lazy<ImageStore> images, Lazy<RemoveImage> remove, Lazy<LoadImage> load, Lazy<SaveImage> save,
                LinuxPaths paths, EventBus events) {
        this.save = save;
        this.images = images;
        this.remove = remove;
        this.load = load;
        this.paths = paths;
        this.events = events;
    }

    @Override
    public void register(Router r) {
        r.add("GET", "/images/json", this::list);
        r.add("POST", "/images/load", this::load);
        r.add("POST", "/images/create", this::pull);
        r.add("GET", "/images/{name*}/json", this::inspect);
        r.add("GET", "/images/{name*}/get", this::save);
        r.add("DELETE", "/images/{name*}", this::delete);
    }

    private void list(ApiCall c) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Image i : images.get().list()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("Id", i.digest().value());
            m.put("ParentId", "");
            m.put("RepoTags", repoTags(i));
            m.put("RepoDigests", List.of());
            m.put("Created", i.importedAt().getEpochSecond());
            m.put("Size", i.sizeBytes());
            m.put("VirtualSize", i.sizeBytes());
            m.put("SharedSize", -1);
            m.put("Labels", Map.of());
            m.put("Containers", -1);
            out.add(m);
        }
        c.reply(200, out);
    }

    private void inspect(ApiCall c) {
        Image i = find(c.param("name"));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Id", i.digest().value());
        m.put("RepoTags", repoTags(i));
        m.put("RepoDigests", List.of());
        m.put("Parent", "");
        m.put("Comment", "imported by quilt");
        m.put("Created", i.importedAt().toString());
        m.put("DockerVersion", "");
        m.put("Author", "");
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("Env", List.of(DEFAULT_PATH));
        config.put("Cmd", null);
        config.put("Entrypoint", null);
        config.put("WorkingDir", "");
        config.put("Labels", Map.of());
        m.put("Config", config);
        m.put("Architecture", arch());
        m.put("Os", "linux");
        m.put("Size", i.sizeBytes());
        m.put("VirtualSize", i.sizeBytes());
        m.put("RootFS", Map.of("Type", "layers", "Layers", List.of(i.digest().value())));
        m.put("Metadata", Map.of("LastTagTime", i.importedAt().toString()));
        c.reply(200, m);
    }

    /**
     * docker rmi through {@link RemoveImage#removeAsDocker}: one name of several is untagged, else the image goes
     * (409 while a container uses it). {@code noprune} is read as docker reads it; there are no parents to prune.
     */
    private void delete(ApiCall c) {
        boolean force = c.flag("force", false);
        c.flag("noprune", false);
        String ref = c.param("name");
        String q = quiltRef(ref);
        if (images.get().find(q).isEmpty()) throw ApiException.notFound("No such image: " + ref);
        RemoveImage.Removal r = remove.get().removeAsDocker(q, force);
        List<Map<String, String>> out = new ArrayList<>();
        for (ImageName n : r.untagged()) {
            out.add(Map.of("Untagged", DockerImageRefs.repoTag(n)));
            events.publish(new ApiEvent("image", "untag", r.deleted().map(Digest::value).orElse(ref),
                    Map.of("name", DockerImageRefs.repoTag(n)), now()));
        }
        r.deleted().ifPresent(d -> {
            out.add(Map.of("Deleted", d.value()));
            events.publish(new ApiEvent("image", "delete", d.value(), Map.of("name", ref), now()));
        });
        c.reply(200, out);
    }

    /**
     * {@code docker load}: the body is the tarball (streamed to a work directory under the image store, removed
     * after, and swept by {@code gc} if the server died meanwhile); the answer is docker's progress stream, one
     * {@code {"stream": "Loaded image: NAME\n"}} per tag (or {@code Loaded image ID: sha256:...} for an untagged
     * one).
     */
    private void load(ApiCall c) {
        c.flag("quiet", false); // checked as docker does; its "Loaded image" lines come either way
        var work = paths.images().resolve(Abandoned.name("load-" + UUID.randomUUID()));
        List<LoadImage.Loaded> loaded = load.get().load(c.body(), work);
        try (OutputStream out = c.stream(200, "application/json", Map.of())) {
            for (LoadImage.Loaded l : loaded) {
                List<String> lines = new ArrayList<>();
                if (l.repoTags().isEmpty()) lines.add("Loaded image ID: " + l.image().digest().value());
                for (String t : l.repoTags()) {
                    lines.add("Loaded image: " + DockerImageRefs.repoTag(DockerImageRefs.nameOf(t)));
                }
                for (String line : lines) {
                    out.write((ApiJson.MAPPER.writeValueAsString(Map.of("stream", line + "\n")) + "\n")
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    events.publish(new ApiEvent("image", "load", l.image().digest().value(),
                            Map.of("name", line.substring(line.indexOf(": ") + 2)), now()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code docker save}: the image as a docker-save tarball, built under the image store, then streamed. */
    private void save(ApiCall c) throws IOException {
        Image i = find(c.param("name"));
        var work = paths.images().resolve(Abandoned.name("save-" + UUID.randomUUID()));
        try (OutputStream out = c.stream(200, "application/x-tar", Map.of())) {
            save.get().save(i, work, out);
        }
        events.publish(new ApiEvent("image", "save", i.digest().value(), Map.of("name", c.param("name")), now()));
    }

    /** {@code docker pull}: Quilt has no registry, so a 404 that says how images get here. */
    private void pull(ApiCall c) {
        String image = c.query("fromImage").orElse("");
        String tag = c.query("tag").orElse("");
        String ref = tag.isEmpty() || image.contains("@") ? image : image + ":" + tag;
        if (!ref.isEmpty()) {
            Optional<Image> have = images.get().find(DockerImageRefs.toQuilt(ref));
            if (have.isPresent()) {
                try (OutputStream out = c.stream(200, "application/json", Map.of())) {
                    out.write((ApiJson.MAPPER.writeValueAsString(Map.of("status",
                            "Image is up to date for " + ref)) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return;
            }
        }
        throw ApiException.notFound("quilt pulls from no registry: image '" + ref + "' is not here; load it with"
                + " 'docker load -i IMAGE.tar' (POST /images/load) or 'quilt image import FILE --name NAME'");
    }

    private Image find(String ref) {
        return images.get().find(quiltRef(ref)).orElseThrow(() -> ApiException.notFound("No such image: " + ref));
    }

    /** {@code ref} itself when the store knows it as given (a name imported as {@code x:latest}), else docker's
     * mapping ({@link DockerImageRefs#toQuilt}), as the container routes look an image up. */
    private String quiltRef(String ref) {
        return images.get().find(ref).isPresent() ? ref : DockerImageRefs.toQuilt(ref);
    }

    /** Docker's {@code RepoTags}: each name as {@code NAME:TAG}. */
    static List<String> repoTags(Image i) {
        List<String> tags = new ArrayList<>();
        for (ImageName n : i.names()) tags.add(DockerImageRefs.repoTag(n));
        return tags;
    }

    private static long now() {
        java.time.Instant t = java.time.Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    private static String arch() {
        String a = System.getProperty("os.arch");
        return a.equals("x86_64") ? "amd64" : a; // Go's GOARCH names, as image configs carry them
    }
}

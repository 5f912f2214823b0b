package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.RootFs;
import dev.quilt.ports.ContainerStorage;

import java.util.Set;

public final class FakeContainerStorage implements ContainerStorage {
    private final FakeKernel kernel;
    private final FakeImageStore images;

    public FakeContainerStorage(FakeKernel kernel, FakeImageStore images) {
        this.kernel = kernel;
        this.images = images;
    }

    @Override
    public void prepare(ContainerId id, RootFs root) {
        kernel.maybeFail("storage.prepare");
        // a directory root is the host's: the fake has no host file system, so every one is there
        if (root instanceof RootFs.Image i && !images.contains(i.digest())) {
            throw QuiltException.notFound("image " + i.shortForm() + " has no rootfs");
        }
        synchronized (kernel) {
            if (!kernel.layers().add(id)) throw new IllegalStateException("layer of " + id + " exists");
        }
    }

    @Override
    public void prepareAgain(ContainerId id, RootFs root) {
        kernel.maybeFail("storage.prepare");
        if (root instanceof RootFs.Image i && !images.contains(i.digest())) {
            throw QuiltException.notFound("image " + i.shortForm() + " has no rootfs");
        }
        synchronized (kernel) {
            if (!kernel.layers().contains(id)) {
                throw QuiltException.notFound("container '" + id.shortForm() + "' has no layer to run on again");
            }
        }
    }

    @Override
    public void prepareInPlace(ContainerId id, RootFs.Directory root) {
        // the container's data directory only; the fake has no host file system, so every root is there
        kernel.maybeFail("storage.prepare");
        synchronized (kernel) {
            if (!kernel.layers().add(id)) throw new IllegalStateException("layer of " + id + " exists");
        }
    }

    @Override
    public void release(ContainerId id) {
        kernel.maybeFail("storage.release");
        synchronized (kernel) {
            kernel.layers().remove(id);
            written.remove(id);
        }
    }

    /** Archives made by {@link #saveLayer}, and whose layer each holds (the fake keeps no files). */
    private final java.util.Map<java.nio.file.Path, ContainerId> archives = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile FakeCheckpointStore files;

    /** Writes the layer archives into this store's drafts (and reads them from its checkpoints), as on a disk. */
    public void archivesIn(FakeCheckpointStore store) {
        this.files = store;
    }

    @Override
    public void saveLayer(ContainerId id, java.nio.file.Path archive) {
        kernel.maybeFail("storage.saveLayer");
        synchronized (kernel) {
            if (!kernel.layers().contains(id)) {
                throw QuiltException.notFound("container '" + id.shortForm() + "' has no layer to save");
            }
        }
        archives.put(archive, id);
        if (files != null) files.write(archive, ("layer of " + id).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public void prepareFromLayer(ContainerId id, RootFs root, java.nio.file.Path archive) {
        boolean known = files != null ? files.has(archive) : archives.containsKey(archive);
        if (!known) throw QuiltException.invalid("layer archive " + archive + " is not one quilt saved");
        prepare(id, root);
    }

    @Override
    public Set<ContainerId> list() {
        return kernel.layerSnapshot();
    }

    /** The files {@link #writeInLayer} wrote, per container, for tests. */
    private final java.util.Map<ContainerId, java.util.Map<String, byte[]>> written = new java.util.HashMap<>();

    @Override
    public void writeInLayer(ContainerId id, String path, byte[] content) {
        kernel.maybeFail("storage.write");
        if (path == null || !path.startsWith("/") || path.endsWith("/")) {
            throw QuiltException.invalid("'" + path + "' is not an absolute path of a file");
        }
        synchronized (kernel) {
            if (!kernel.layers().contains(id)) throw QuiltException.notFound("container '" + id.shortForm() + "' has no layer");
            written.computeIfAbsent(id, k -> new java.util.HashMap<>()).put(path, content.clone());
        }
    }

    /** What {@link #writeInLayer} wrote at {@code path} into the layer of {@code id}, if anything. */
    public java.util.Optional<byte[]> written(ContainerId id, String path) {
        synchronized (kernel) {
            return java.util.Optional.ofNullable(written.getOrDefault(id, java.util.Map.of()).get(path));
        }
    }
}

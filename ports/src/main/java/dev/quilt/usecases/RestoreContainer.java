package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ReadyPolicy;
import dev.quilt.domain.checkpoint.CheckpointRef;
import dev.quilt.ports.CheckpointStore;
import dev.quilt.ports.Checkpointer;
import dev.quilt.ports.ImageStore;
import dev.quilt.ports.ProcessSpawner;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code quilt restore}: a new container from a checkpoint (issue 16, items 2-4). The checkpoint is checked first
 * ({@link CheckpointStore#verify}: manifest, every file's size and sha256, CRIU's magic, the digests, the image in
 * the store) and CRIU must be there, before anything is made; then the one create path
 * ({@link ContainerLauncher#restore}: new ID, the given name, its own cgroup, address and layer, CRIU's restore
 * under a monitor), then the same readiness chain as a fresh container ({@link BecomeReady}: the exec probe, the
 * health check), so it is returned only once an exec into it works. A failure removes everything it made (unless
 * {@code keepOnFailure} and the init was restored) and says why in one line. The checkpoint is held
 * ({@link CheckpointStore#hold}) from the check until CRIU is done, so {@code checkpoint rm} cannot remove it
 * under the restore. The record's labels say where it was
 * restored from ({@link #RESTORED_FROM}); its readiness marks are the restore's phase timings.
 */
public final class RestoreContainer {
    /** The label naming the checkpoint a container was restored from: {@code <container id>/<checkpoint name>}. */
    public static final String RESTORED_FROM = dev.quilt.domain.Observed.RESTORED_FROM;

    private final CheckpointStore store;
    private final Checkpointer checkpointer;
    private final ImageStore images;
    private final ContainerLauncher launcher;
    private final BecomeReady ready;

    public RestoreContainer(CheckpointStore store, Checkpointer checkpointer, ImageStore images,
                            ContainerLauncher launcher, BecomeReady ready) {
        this.store = store;
        this.checkpointer = checkpointer;
        this.images = images;
        this.launcher = launcher;
        this.ready = ready;
    }

    /**
     * What to restore and as what: {@code checkpoint} is {@code CONTAINER} (its newest) or {@code CONTAINER/NAME};
     * {@code name} the new container's ({@code --name}); {@code readyTimeout} and {@code keepOnFailure} as for
     * {@code run -d} (absent: the checkpointed container's own).
     */
    public record Command(String checkpoint, Optional<ContainerName> name, Optional<Duration> readyTimeout,
                          boolean keepOnFailure) {}

    /** The new container, ready. */
    public Container restore(Command cmd) {
        return restore(cmd, Copy.AS_SAVED);
    }

    /**
     * How one restore differs from the checkpointed container (a fork's copy, a persisted create): {@code spec}
     * changes its spec (name-dependent hostname, environment, labels), {@code files} are written into its new layer
     * before CRIU runs (path in the container to content).
     */
    public record Copy(java.util.function.UnaryOperator<ContainerSpec> spec, Map<String, byte[]> files) {
        public static final Copy AS_SAVED = new Copy(s -> s, Map.of());

        public Copy {
            files = Map.copyOf(files);
        }
    }

    /** The new container, ready, changed as {@code copy} says. */
    public Container restore(Command cmd, Copy copy) {
        CheckpointRef ref = CheckpointRef.parse(cmd.checkpoint());
        checkpointer.criu();
        CheckpointStore.Stored stored = store.find(ref).orElseThrow(() -> QuiltException.notFound("no checkpoint '"
                + ref + "'; see 'quilt checkpoint ls'"));
        return restore(stored, cmd, copy);
    }

    /** As {@link #restore(Command, Copy)}, of {@code stored} ({@code cmd}'s checkpoint is not looked up again). */
    public Container restore(CheckpointStore.Stored stored, Command cmd, Copy copy) {
        ContainerLauncher.Launch launch;
        // held from the check until CRIU is done: 'checkpoint rm' meanwhile is refused, never a CRIU failure on
        // files that were removed under it
        try (CheckpointStore.Hold hold = store.hold(stored)) {
            CheckpointStore.Verified v = verify(stored);
            ContainerSpec saved = v.container().spec();
            ReadyPolicy policy = new ReadyPolicy(cmd.readyTimeout().orElse(saved.ready().timeout()),
                    cmd.keepOnFailure() || saved.ready().keepOnFailure());
            // the user's labels; Quilt's bookkeeping of the checkpointed container is set afresh (Restored.carried)
            Map<String, String> labels = new LinkedHashMap<>(dev.quilt.domain.Restored.carried(saved.labels()));
            labels.put(RESTORED_FROM, stored.id().value() + "/" + stored.name().value());
            ContainerSpec spec = copy.spec().apply(new ContainerSpec(saved.process(), saved.root(), saved.hostname(),
                    saved.namespaces(), saved.stdinOpen(), saved.init(), saved.network(), saved.resources(),
                    saved.health(), policy, saved.log(), saved.security(), saved.bundle(), labels));
            launch = launcher.restore(spec, cmd.name(), new ContainerLauncher.Restored(v.layer(),
                    new ProcessSpawner.Restore(v.images(), v.manifest().externals(), v.manifest().tcpEstablished()),
                    copy.files()));
        }
        launch.launched().close();
        return ready.await(launch.container(), launch.deadline());
    }

    /**
     * The checks before anything is made: CRIU is there, and the checkpoint is whole ({@link CheckpointStore#verify}).
     * Refused in one line.
     */
    public CheckpointStore.Verified verify(CheckpointStore.Stored stored) {
        checkpointer.criu();
        return store.verify(stored, d -> images.find(d.value()).isPresent());
    }

    /**
     * {@code quilt-runc restore} (issue 16, item 8): runc's layout, CRIU's images in the caller's directory
     * ({@code images}, as {@link CheckpointToImages} wrote them) with {@code externals} as recorded at the dump, and
     * the bundle's {@code config.json} for the new container (its ID the request's name, its rootfs in place). CRIU
     * must be there; then the one create path ({@link ContainerLauncher#restore(BundleRequest,
     * ProcessSpawner.Restore)}) in runc's process tree ({@link ProcessSpawner.Mode#HANDED_OFF}): the restored init is
     * the caller's subreaper's child, its stdio the caller's. No readiness chain (runc probes nothing). A failure
     * removes everything it made and says why in one line.
     */
    public Container inRuncTree(BundleRequest request, java.nio.file.Path images,
                                dev.quilt.domain.checkpoint.CheckpointManifest.Externals externals,
                                boolean tcpEstablished) {
        checkpointer.criu();
        ContainerLauncher.Launch launch = launcher.restore(request, new ProcessSpawner.Restore(images, externals,
                tcpEstablished, ProcessSpawner.Mode.HANDED_OFF));
        launch.launched().close();
        return launch.container();
    }
}

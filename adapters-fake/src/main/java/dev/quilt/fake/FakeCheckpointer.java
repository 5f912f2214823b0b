package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.checkpoint.CheckpointCheck;
import dev.quilt.domain.checkpoint.CheckpointManifest;
import dev.quilt.ports.Checkpointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A CRIU of the fake kernel: a dump writes two images with CRIU's magic and a page image into the draft, and,
 * without {@code leaveRunning}, ends the container's processes as CRIU's dump does. "criu.dump" can be told to
 * fail; {@link #missing} makes it a host without CRIU.
 */
public final class FakeCheckpointer implements Checkpointer {
    private final FakeKernel kernel;
    private final FakeCheckpointStore store;
    private volatile boolean missing;

    public FakeCheckpointer(FakeKernel kernel, FakeCheckpointStore store) {
        this.kernel = kernel;
        this.store = store;
    }

    /** A host with no CRIU at all. */
    public void missing(boolean missing) {
        this.missing = missing;
    }

    @Override
    public Criu criu() {
        if (missing) {
            throw new dev.quilt.domain.QuiltException(dev.quilt.domain.QuiltException.Kind.SYSTEM,
                    "criu not found: run scripts/setup.sh (it installs a criu that passes 'criu check') or set"
                            + " QUILT_CRIU to one");
        }
        return new Criu("/fake/criu", "4.1.1", "6.18.0-fake");
    }

    @Override
    public CheckpointManifest.Externals dump(Container container, Path images, Options options, Instant deadline) {
        criu();
        kernel.maybeFail("criu.dump");
        store.write(images.resolve("inventory.img"), image(CheckpointCheck.IMG_COMMON_MAGIC, 80));
        store.write(images.resolve("core-1.img"), image(CheckpointCheck.IMG_COMMON_MAGIC, 2000));
        store.write(images.resolve("pages-1.img"), new byte[8192]);
        store.write(images.resolve("dump.log"), "fake dump\n".getBytes());
        if (!options.leaveRunning()) {
            // CRIU's dump ends the tree with SIGKILL; its monitor records that
            kernel.initOf(container.id()).ifPresent(p -> kernel.exit(p, dev.quilt.domain.ExitStatus.killedBy(9),
                    Optional.empty()));
        }
        return new CheckpointManifest.Externals(Optional.of("quilt-net"),
                List.of(new CheckpointManifest.PipeEnd(1, 1001), new CheckpointManifest.PipeEnd(2, 1002)));
    }

    private static byte[] image(int magic, int size) {
        byte[] b = new byte[size];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(magic);
        return b;
    }
}

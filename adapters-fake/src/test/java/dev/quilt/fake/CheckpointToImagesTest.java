package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Status;
import dev.quilt.domain.User;
import dev.quilt.domain.checkpoint.CheckpointManifest;
import dev.quilt.usecases.CheckpointToImages;
import dev.quilt.usecases.ContainerRequest;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * quilt-runc's checkpoint (runc's layout) through its use case on the fake kernel: CRIU's images land in the
 * directory the caller names, with no store entry; the dump ends the container unless it is left running; a paused
 * one stays paused; each refusal dumps nothing and leaves the container as it was.
 */
class CheckpointToImagesTest {
    private final FakeEngine engine = new FakeEngine();
    private final FakeKernel kernel = engine.kernel;
    private final FakeCheckpointStore store = new FakeCheckpointStore(kernel);
    private final FakeCheckpointer criu = new FakeCheckpointer(kernel, store);
    private final CheckpointToImages checkpoint = new CheckpointToImages(engine.lookup, engine.state, criu,
            engine.clock);
    private final Path images = Path.of("/run/podman/userdata/checkpoint");

    {
        store.callerDirectory(images);
    }

    private Container run(String name) {
        return engine.create.runDetached(new ContainerRequest(Optional.empty(), Optional.of(ContainerName.of(name)),
                List.of("sleep"), List.of(), k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false,
                false, NetworkMode.NONE, Resources.UNLIMITED));
    }

    private CheckpointManifest.Externals dump(String container, boolean leaveRunning) {
        return checkpoint.checkpoint(new CheckpointToImages.Command(container, images, leaveRunning, false));
    }

    @Test
    void theImagesGoIntoTheCallersDirectoryAndTheDumpEndsTheContainer() {
        run("web");
        CheckpointManifest.Externals ext = dump("web", false);
        assertTrue(store.has(images.resolve("inventory.img")) && store.has(images.resolve("pages-1.img")));
        assertTrue(store.list().isEmpty(), "runc's layout: nothing in Quilt's checkpoint store");
        assertEquals(Optional.of("quilt-net"), ext.netKey());
        Container after = engine.lookup.get("web");
        assertEquals(Status.STOPPED, after.status());
        assertEquals(Optional.of(ExitStatus.killedBy(9)), after.exit());
    }

    @Test
    void leftRunningItRunsOnAndAPausedOneStaysPaused() {
        Container web = run("web");
        dump("web", true);
        assertEquals(Status.RUNNING, engine.lookup.get("web").status());
        assertFalse(engine.cgroups.isFrozen(web.id()));
        engine.pause.pause("web");
        dump("web", true);
        assertEquals(Status.PAUSED, engine.lookup.get("web").status(), "containerd pauses first, resumes after");
    }

    @Test
    void refusalsDumpNothing() {
        run("web");
        engine.kernel.initOf(engine.lookup.get("web").id()).ifPresent(p -> kernel.exit(p, ExitStatus.exited(0),
                Optional.empty()));
        QuiltException stopped = assertThrows(QuiltException.class, () -> dump("web", false));
        assertEquals(QuiltException.Kind.CONFLICT, stopped.kind());
        assertTrue(stopped.getMessage().endsWith("only a running or paused container can be checkpointed"),
                stopped.getMessage());

        run("db");
        criu.missing(true);
        QuiltException none = assertThrows(QuiltException.class, () -> dump("db", false));
        assertTrue(none.getMessage().contains("run scripts/setup.sh"), none.getMessage());
        criu.missing(false);
        assertEquals(Status.RUNNING, engine.lookup.get("db").status());

        kernel.failNext("criu.dump", 1);
        assertThrows(RuntimeException.class, () -> dump("db", true));
        assertEquals(Status.RUNNING, engine.lookup.get("db").status(), "a failed dump leaves it running");
        assertFalse(store.has(images.resolve("inventory.img")));

        QuiltException relative = assertThrows(QuiltException.class,
                () -> new CheckpointToImages.Command("db", Path.of("checkpoint"), false, false));
        assertEquals("the image directory must be an absolute path", relative.getMessage());
    }
}

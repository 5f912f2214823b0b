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
import dev.quilt.domain.checkpoint.CheckpointName;
import dev.quilt.ports.CheckpointStore;
import dev.quilt.usecases.CheckpointContainer;
import dev.quilt.usecases.ContainerRequest;
import dev.quilt.usecases.ListCheckpoints;
import dev.quilt.usecases.RestoreContainer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** checkpoint, restore, ls/inspect/rm through the use cases on the fake kernel; each refusal leaves nothing made. */
class CheckpointUseCasesTest {
    private final FakeEngine engine = new FakeEngine();
    private final FakeKernel kernel = engine.kernel;
    private final FakeCheckpointStore store = new FakeCheckpointStore(kernel);
    private final FakeCheckpointer criu = new FakeCheckpointer(kernel, store);
    private final CheckpointContainer checkpoint = new CheckpointContainer(engine.lookup, engine.state, store, criu,
            engine.storage, engine.cgroups, engine.clock);
    private final RestoreContainer restore = new RestoreContainer(store, criu, engine.images, engine.launcher,
            engine.ready);
    private final ListCheckpoints checkpoints = new ListCheckpoints(store);

    {
        engine.storage.archivesIn(store);
    }

    private static ContainerRequest request(String name) {
        return new ContainerRequest(Optional.empty(), Optional.of(ContainerName.of(name)), List.of("sleep"), List.of(),
                k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false, false, NetworkMode.BRIDGE,
                Resources.UNLIMITED);
    }

    private CheckpointStore.Stored dump(String container, String name, boolean leaveRunning) {
        return checkpoint.checkpoint(new CheckpointContainer.Command(container, Optional.of(new CheckpointName(name)),
                leaveRunning, false));
    }

    private RestoreContainer.Command as(String ref, String name) {
        return new RestoreContainer.Command(ref, Optional.of(ContainerName.of(name)), Optional.empty(), false);
    }

    @Test
    void aDumpEndsTheContainerAndARestoreIsANewReadyContainer() {
        Container web = engine.create.runDetached(request("web"));
        CheckpointStore.Stored s = dump("web", "cp1", false);
        assertEquals("web/cp1", s.ref());
        Container after = engine.lookup.get("web");
        assertEquals(Status.STOPPED, after.status(), "the dump ended it, as podman's checkpoint does");
        assertEquals(Optional.of(ExitStatus.killedBy(9)), after.exit());
        CheckpointManifest m = s.manifest().orElseThrow();
        assertTrue(m.files().stream().anyMatch(f -> f.path().equals(CheckpointManifest.LAYER)));
        assertEquals(Optional.of("quilt-net"), m.externals().netKey());

        Container copy = restore.restore(as("web/cp1", "copy"));
        assertTrue(engine.spawner.wasRestored(copy.id()));
        assertEquals(Status.RUNNING, engine.lookup.get("copy").status());
        assertTrue(copy.endpoint().isPresent(), "its own address");
        assertEquals(web.id().value() + "/cp1", copy.spec().labels().get(RestoreContainer.RESTORED_FROM));
        assertTrue(copy.readiness().marks().size() >= 3, "the readiness chain ran: " + copy.readiness());
    }

    @Test
    void leaveRunningFreezesForTheDumpAndThawsAfter() {
        Container web = engine.create.runDetached(request("web"));
        dump("web", "lr", true);
        assertEquals(Status.RUNNING, engine.lookup.get("web").status());
        assertFalse(engine.cgroups.isFrozen(web.id()));
        engine.pause.pause("web");
        dump("web", "paused", true);
        assertEquals(Status.PAUSED, engine.lookup.get("web").status(), "a paused container stays paused");
        assertEquals(2, checkpoints.list(Optional.of("web")).size());
    }

    @Test
    void refusalsMakeNothing() {
        engine.create.runDetached(request("web"));
        dump("web", "cp1", false);
        Set<?> layers = kernel.layerSnapshot();
        Set<?> cgroups = kernel.cgroupSnapshot();

        QuiltException unknown = assertThrows(QuiltException.class, () -> restore.restore(as("web/nosuch", "x")));
        assertEquals("no checkpoint 'web/nosuch'; see 'quilt checkpoint ls'", unknown.getMessage());

        CheckpointStore.Stored s = store.find(dev.quilt.domain.checkpoint.CheckpointRef.parse("web/cp1")).orElseThrow();
        byte[] pages = store.read(s, "criu/pages-1.img").orElseThrow();
        byte[] flipped = pages.clone();
        flipped[4000] ^= 1;
        store.damage(s, "criu/pages-1.img", flipped);
        QuiltException bad = assertThrows(QuiltException.class, () -> restore.restore(as("web/cp1", "x")));
        assertTrue(bad.getMessage().contains("criu/pages-1.img has changed since the dump"), bad.getMessage());
        store.damage(s, "criu/pages-1.img", pages);

        criu.missing(true);
        QuiltException none = assertThrows(QuiltException.class, () -> restore.restore(as("web/cp1", "x")));
        assertTrue(none.getMessage().contains("run scripts/setup.sh"), none.getMessage());
        criu.missing(false);

        kernel.failNext("spawner.restore", 1);
        assertThrows(QuiltException.class, () -> restore.restore(as("web/cp1", "x")));
        assertEquals(layers, kernel.layerSnapshot(), "no layer left");
        assertEquals(cgroups, kernel.cgroupSnapshot(), "no cgroup left");
        assertTrue(engine.lookup.named(ContainerName.of("x")).isEmpty(), "no record, no name");

        QuiltException stopped = assertThrows(QuiltException.class, () -> dump("web", "again", false));
        assertEquals(QuiltException.Kind.CONFLICT, stopped.kind());
        assertEquals("container 'web' is stopped; only a running or paused container can be checkpointed",
                stopped.getMessage());
    }

    @Test
    void aFailedDumpLeavesNoDraftAndTheContainerRunning() {
        engine.create.runDetached(request("web"));
        kernel.failNext("criu.dump", 1);
        assertThrows(QuiltException.class, () -> dump("web", "cp1", true));
        assertEquals(0, store.draftCount());
        assertEquals(List.of(), checkpoints.list(Optional.empty()));
        assertEquals(Status.RUNNING, engine.lookup.get("web").status());
        assertFalse(engine.cgroups.isFrozen(engine.lookup.get("web").id()), "thawed after the failed dump");
    }

    @Test
    void whatCannotBeDumpedIsRefusedByName() {
        engine.create.runDetached(request("web").withSecurity(dev.quilt.domain.Security.DEFAULT.withUserns(
                new dev.quilt.domain.UserNamespace.Mapped(List.of(new dev.quilt.domain.UserNamespace.IdMapping(0,
                        100000, 65536)), List.of(new dev.quilt.domain.UserNamespace.IdMapping(0, 100000, 65536))))));
        assertEquals("checkpoint of a container with a user namespace is not supported yet",
                assertThrows(QuiltException.class, () -> dump("web", "cp", false)).getMessage());
        ContainerRequest host = new ContainerRequest(Optional.empty(), Optional.of(ContainerName.of("host")),
                List.of("sleep"), List.of(), k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false,
                false, NetworkMode.HOST, Resources.UNLIMITED);
        engine.create.runDetached(host);
        assertTrue(assertThrows(QuiltException.class, () -> dump("host", "cp", false)).getMessage()
                .startsWith("checkpoint of a container on the host's network is not supported"));
        assertEquals(0, store.draftCount());
        assertEquals(List.of(), checkpoints.list(Optional.empty()));
    }

    @Test
    void inspectAndRemove() {
        engine.create.runDetached(request("web"));
        dump("web", "cp1", true);
        assertEquals("cp1", checkpoints.inspect("web").name().value());
        assertEquals("web/cp1", checkpoints.remove("web/cp1").ref());
        assertEquals(QuiltException.Kind.NOT_FOUND, assertThrows(QuiltException.class,
                () -> checkpoints.inspect("web/cp1")).kind());
        store.abandonDraft(engine.lookup.get("web").id(), new CheckpointName("crashed"));
        assertEquals(1, checkpoints.sweepDrafts());
    }
}

package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.Digest;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Status;
import dev.quilt.domain.User;
import dev.quilt.domain.checkpoint.CheckpointName;
import dev.quilt.domain.checkpoint.CheckpointRef;
import dev.quilt.ports.CheckpointStore;
import dev.quilt.usecases.CheckpointContainer;
import dev.quilt.usecases.ContainerRequest;
import dev.quilt.usecases.RestoreContainer;
import dev.quilt.usecases.ResumeContainer;
import dev.quilt.usecases.ThawAbandonedFreezes;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The logic of issue 16's crash and concurrency fixes on the fake kernel: a freeze left by a killed
 * {@code checkpoint --leave-running} is undone by gc, the next checkpoint and unpause, never a pause the user asked
 * for; a restore holds its checkpoint from the check until CRIU is done, so a removal meanwhile is refused.
 * (CheckpointCrashIT kills real CLIs on the real kernel.)
 */
class CheckpointCrashTest {
    private final FakeEngine engine = new FakeEngine();
    private final FakeKernel kernel = engine.kernel;
    private final FakeCheckpointStore store = new FakeCheckpointStore(kernel);
    private final FakeCheckpointer criu = new FakeCheckpointer(kernel, store);
    private final CheckpointContainer checkpoint = new CheckpointContainer(engine.lookup, engine.state, store, criu,
            engine.storage, engine.cgroups, engine.clock);
    private final ThawAbandonedFreezes freezes = new ThawAbandonedFreezes(engine.lookup, engine.state, store,
            engine.cgroups);

    {
        engine.storage.archivesIn(store);
    }

    private static ContainerRequest request(String name) {
        return new ContainerRequest(Optional.empty(), Optional.of(ContainerName.of(name)), List.of("sleep"), List.of(),
                k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false, false, NetworkMode.BRIDGE,
                Resources.UNLIMITED);
    }

    /** A checkpoint --leave-running of {@code c} killed after its freeze: frozen, and a draft that says so. */
    private void killedWhileFrozen(Container c) {
        engine.cgroups.freeze(c.id(), Duration.ofSeconds(1));
        store.abandonFrozenDraft(c.id(), new CheckpointName("killed"));
        assertEquals(Status.PAUSED, engine.lookup.get(c.id().value()).status());
    }

    @Test
    void gcThawsWhatAKilledCheckpointFrozeAndLeavesTheUsersPause() {
        Container web = engine.create.runDetached(request("web"));
        killedWhileFrozen(web);
        Container user = engine.create.runDetached(request("user"));
        engine.pause.pause("user");
        store.abandonDraft(user.id(), new CheckpointName("killed")); // a checkpoint of a paused container freezes nothing

        assertEquals(List.of(web.id()), freezes.thawAll());
        assertEquals(Status.RUNNING, engine.lookup.get("web").status());
        assertEquals(Status.PAUSED, engine.lookup.get("user").status(), "the user's pause stays");
        assertEquals(List.of(), store.abandonedFreezes());
        assertEquals(1, store.removeAbandonedDrafts(), "the paused one's draft is swept as any crash's");
        assertEquals(Status.PAUSED, engine.lookup.get("user").status());
        assertEquals(0, store.draftCount());
        assertEquals(List.of(), freezes.thawAll(), "nothing left to thaw");
    }

    @Test
    void aDraftThatFrozeIsNotSweptBeforeItsContainerIsThawed() {
        Container web = engine.create.runDetached(request("web"));
        killedWhileFrozen(web);
        assertEquals(0, store.removeAbandonedDrafts());
        assertEquals(1, store.abandonedFreezes().size());
    }

    @Test
    void theNextCheckpointThawsFirst() {
        Container web = engine.create.runDetached(request("web"));
        killedWhileFrozen(web);
        checkpoint.checkpoint(new CheckpointContainer.Command("web", Optional.of(new CheckpointName("next")), true,
                false));
        assertEquals(Status.RUNNING, engine.lookup.get("web").status(), "thawed, then frozen and thawed by the dump");
        assertEquals(List.of(), store.abandonedFreezes());
        assertEquals(0, store.draftCount());
    }

    @Test
    void unpauseThawsItAndTheDraftGoes() {
        Container web = engine.create.runDetached(request("web"));
        killedWhileFrozen(web);
        new ResumeContainer(engine.lookup, engine.cgroups, freezes).resume("web");
        assertEquals(Status.RUNNING, engine.lookup.get("web").status());
        assertEquals(List.of(), store.abandonedFreezes());
    }

    @Test
    void aContainerRemovedSinceLeavesOnlyADraftToRemove() {
        Container web = engine.create.runDetached(request("web"));
        killedWhileFrozen(web);
        new dev.quilt.usecases.RemoveContainer(engine.lookup, engine.state, engine.processes, engine.forget,
                engine.cgroups, new dev.quilt.usecases.LifecycleHooks(new FakeHookRunner(), new FakeWarnings()))
                .remove("web", true);
        assertEquals(List.of(), freezes.thawAll());
        assertEquals(List.of(), store.abandonedFreezes());
        assertEquals(0, store.draftCount());
    }

    @Test
    void aRestoreHoldsItsCheckpointUntilCriuIsDoneAndRmIsRefusedMeanwhile() {
        engine.create.runDetached(request("web"));
        CheckpointStore.Stored s = checkpoint.checkpoint(new CheckpointContainer.Command("web",
                Optional.of(new CheckpointName("cp1")), true, false));
        List<String> seen = new ArrayList<>();
        CheckpointStore watching = new Watching(store, () -> {
            seen.add("held " + store.holds(s));
            QuiltException e = assertThrows(QuiltException.class, () -> store.remove(s));
            assertEquals(QuiltException.Kind.CONFLICT, e.kind());
            seen.add(e.getMessage());
        });
        RestoreContainer restore = new RestoreContainer(watching, criu, engine.images, engine.launcher, engine.ready);
        restore.restore(new RestoreContainer.Command("web/cp1", Optional.of(ContainerName.of("copy")),
                Optional.empty(), false));
        assertEquals(List.of("held 1", "checkpoint web/cp1 is being restored; try again when it is done"), seen);
        assertEquals(0, store.holds(s), "released once CRIU is done");
        store.remove(s);
        assertEquals(List.of(), store.list());

        // the other order: a removed checkpoint is not restored, and nothing is made
        QuiltException gone = assertThrows(QuiltException.class, () -> store.hold(s));
        assertEquals(QuiltException.Kind.NOT_FOUND, gone.kind());
        QuiltException refused = assertThrows(QuiltException.class, () -> restore.restore(s,
                new RestoreContainer.Command("web/cp1", Optional.of(ContainerName.of("late")), Optional.empty(), false),
                RestoreContainer.Copy.AS_SAVED));
        assertEquals("no checkpoint 'web/cp1'; see 'quilt checkpoint ls'", refused.getMessage());
        assertTrue(engine.lookup.named(ContainerName.of("late")).isEmpty());
    }

    @Test
    void holdsAreCountedAcrossForks() {
        engine.create.runDetached(request("web"));
        CheckpointStore.Stored s = checkpoint.checkpoint(new CheckpointContainer.Command("web",
                Optional.of(new CheckpointName("cp1")), true, false));
        CheckpointStore.Hold a = store.hold(s);
        CheckpointStore.Hold b = store.hold(s);
        a.close();
        assertThrows(QuiltException.class, () -> store.remove(s), "one hold is left");
        b.close();
        b.close(); // twice is once
        store.remove(s);
        assertEquals(Optional.empty(), store.find(CheckpointRef.parse("web/cp1")));
    }

    /** The store, running {@code during} when a restore checks the checkpoint (inside its hold). */
    private record Watching(CheckpointStore store, Runnable during) implements CheckpointStore {
        @Override
        public Verified verify(Stored checkpoint, Predicate<Digest> imageKnown) {
            during.run();
            return store.verify(checkpoint, imageKnown);
        }

        @Override
        public Draft begin(ContainerId id, CheckpointName name) {
            return store.begin(id, name);
        }

        @Override
        public List<AbandonedFreeze> abandonedFreezes() {
            return store.abandonedFreezes();
        }

        @Override
        public void release(AbandonedFreeze freeze) {
            store.release(freeze);
        }

        @Override
        public Hold hold(Stored checkpoint) {
            return store.hold(checkpoint);
        }

        @Override
        public List<Stored> list() {
            return store.list();
        }

        @Override
        public Optional<Stored> find(CheckpointRef ref) {
            return store.find(ref);
        }

        @Override
        public void remove(Stored checkpoint) {
            store.remove(checkpoint);
        }

        @Override
        public int removeAbandonedDrafts() {
            return store.removeAbandonedDrafts();
        }
    }
}

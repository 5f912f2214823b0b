package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ForkPlan;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.PersistPolicy;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Restored;
import dev.quilt.domain.User;
import dev.quilt.domain.checkpoint.CheckpointName;
import dev.quilt.domain.checkpoint.CheckpointRef;
import dev.quilt.ports.CheckpointStore;
import dev.quilt.usecases.CheckpointContainer;
import dev.quilt.usecases.ContainerRequest;
import dev.quilt.usecases.ForkContainer;
import dev.quilt.usecases.LifecycleHooks;
import dev.quilt.usecases.ListCheckpoints;
import dev.quilt.usecases.PersistContainer;
import dev.quilt.usecases.RemoveContainer;
import dev.quilt.usecases.RestoreContainer;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a fresh user met after a persist cycle (a container removed and made again under its name, a new ID): the
 * printed references work, {@code ls NAME} lists all, a restore under another name is not persisted, the persist
 * warning names the newest checkpoint's own problem, and a name that is nothing is refused.
 */
class CheckpointNamesTest {
    private final FakeEngine engine = new FakeEngine();
    private final FakeCheckpointStore store = new FakeCheckpointStore(engine.kernel);
    private final FakeCheckpointer criu = new FakeCheckpointer(engine.kernel, store);
    private final CheckpointContainer checkpoint = new CheckpointContainer(engine.lookup, engine.state, store, criu,
            engine.storage, engine.cgroups, engine.clock);
    private final RestoreContainer restore = new RestoreContainer(store, criu, engine.images, engine.launcher,
            engine.ready);
    private final RemoveContainer remove = new RemoveContainer(engine.lookup, engine.state, engine.processes,
            engine.forget, engine.cgroups, new LifecycleHooks(new FakeHookRunner(), new FakeWarnings()));
    private final ForkContainer fork = new ForkContainer(restore, store, engine.lookup, remove);
    private final ListCheckpoints checkpoints = new ListCheckpoints(store, engine.lookup, engine.images);
    private final FakeWarnings warnings = new FakeWarnings();
    private final PersistContainer persist = new PersistContainer(store, engine.lookup, warnings);

    {
        engine.storage.archivesIn(store);
    }

    private static ContainerRequest request(String name, Map<String, String> labels) {
        return new ContainerRequest(Optional.empty(), Optional.of(ContainerName.of(name)), List.of("sleep"), List.of(),
                k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false, false, NetworkMode.BRIDGE,
                Resources.UNLIMITED).withLabels(labels);
    }

    private Container up(String name, Map<String, String> labels) {
        return engine.create.runDetached(request(name, labels));
    }

    private CheckpointStore.Stored dump(String container, String name, boolean leaveRunning) {
        return checkpoint.checkpoint(new CheckpointContainer.Command(container, Optional.of(new CheckpointName(name)),
                leaveRunning, false));
    }

    private RestoreContainer.Command as(String ref, String name) {
        return new RestoreContainer.Command(ref, Optional.of(ContainerName.of(name)), Optional.empty(), false);
    }

    @Test
    void afterAPersistCycleThePrintedReferenceWorksAndLsListsEveryContainerOfTheName() {
        Container first = up("p1", Map.of());
        dump("p1", "persist-1", false);
        remove.remove("p1", true);
        Container second = up("p1", Map.of());
        CheckpointStore.Stored flip = dump("p1", "flip", true);

        assertEquals("p1/flip", checkpoints.refOf(flip), "what 'checkpoint' prints");
        assertEquals(flip.id(), checkpoints.inspect("p1/flip").id());
        assertEquals(List.of("flip", "persist-1"), checkpoints.list(Optional.of("p1")).stream()
                .map(s -> s.name().value()).toList(), "both containers called p1, newest first");
        assertEquals("flip", checkpoints.inspect("p1").name().value(), "p1 alone: the newest over both");
        Container q = restore.restore(as("p1/flip", "q"));
        assertEquals(second.id().value() + "/flip", q.spec().labels().get(RestoreContainer.RESTORED_FROM));
        assertEquals(first.id(), checkpoints.remove("p1/persist-1").id());
        assertEquals(1, checkpoints.list(Optional.of("p1")).size());
    }

    @Test
    void theSameCheckpointNameInTwoContainersOfANamePrintsTheIdFormAndTheNameFormNamesBoth() {
        Container first = up("p1", Map.of());
        dump("p1", "same", true);
        dump("p1", "last", false);
        remove.remove("p1", true);
        Container second = up("p1", Map.of());
        CheckpointStore.Stored again = dump("p1", "same", true);

        String printed = checkpoints.refOf(again);
        assertEquals(second.id().shortForm() + "/same", printed, "p1/same would name two");
        assertEquals(again.id(), checkpoints.inspect(printed).id());
        QuiltException both = assertThrows(QuiltException.class, () -> checkpoints.inspect("p1/same"));
        assertEquals(QuiltException.Kind.INVALID_INPUT, both.kind());
        assertTrue(both.getMessage().contains(first.id().shortForm()) && both.getMessage().contains(
                second.id().shortForm()), both.getMessage());
        CheckpointStore.Stored old = store.find(CheckpointRef.parse(first.id().value() + "/same")).orElseThrow();
        store.dropManifest(old);
        QuiltException damaged = assertThrows(QuiltException.class, () -> restore.restore(as(
                first.id().shortForm() + "/same", "r")));
        assertTrue(damaged.getMessage().contains("remove it with 'quilt checkpoint rm " + first.id().shortForm()
                + "/same'"), "the advice is a reference that works: " + damaged.getMessage());
    }

    @Test
    void lsOfANameThatIsNothingIsRefusedAndOfAContainerWithNoneIsEmpty() {
        QuiltException nope = assertThrows(QuiltException.class, () -> checkpoints.list(Optional.of("nope")));
        assertEquals(QuiltException.Kind.NOT_FOUND, nope.kind());
        assertEquals("no container or checkpoints called 'nope'; 'quilt checkpoint ls' lists every checkpoint",
                nope.getMessage());
        up("idle", Map.of());
        assertEquals(List.of(), checkpoints.list(Optional.of("idle")));
    }

    private static Map<String, String> bookkeeping() {
        Map<String, String> labels = new LinkedHashMap<>(Map.of("team", "a", PersistPolicy.LABEL, "true"));
        labels.putAll(Restored.fresh(Optional.of("p2/old"), "checkpoint 'p2/old' has no manifest.json").into(Map.of()));
        labels.put(ForkPlan.CLONE_LABEL, "7");
        labels.put(RestoreContainer.RESTORED_FROM, "someid/old");
        return labels;
    }

    @Test
    void aRestoreOrForkUnderAnotherNameCarriesNoneOfQuiltsBookkeeping() {
        up("p2", bookkeeping());
        CheckpointStore.Stored ck = dump("p2", "ck", true);

        Container zz = restore.restore(as("p2/ck", "zz"));
        Map<String, String> l = zz.spec().labels();
        assertEquals("a", l.get("team"), "the user's labels are kept");
        assertFalse(PersistPolicy.asked(l), "zz is not persisted: " + l);
        assertEquals(Optional.empty(), Restored.of(l), "no stale path or reason: " + l);
        assertFalse(l.containsKey(ForkPlan.CLONE_LABEL));
        assertEquals(ck.id().value() + "/ck", l.get(RestoreContainer.RESTORED_FROM), "set fresh");

        for (Container copy : fork.fork(new ForkContainer.Command("p2/ck", 2, Optional.of("cp"), Optional.empty(), 1))) {
            Map<String, String> c = copy.spec().labels();
            assertFalse(PersistPolicy.asked(c), c.toString());
            assertEquals(Optional.empty(), Restored.of(c), c.toString());
            assertEquals(copy.name().orElseThrow().value().substring(3), c.get(ForkPlan.CLONE_LABEL));
        }

        remove.remove("p2", true);
        Container back = persist.create(request("p2", Map.of(PersistPolicy.LABEL, "true")),
                PersistContainer.through(restore), engine.create::runDetached);
        assertTrue(PersistPolicy.asked(back.spec().labels()), "persist's own restore of p2 stays persisted");
        assertEquals(Restored.Path.RESTORE, Restored.of(back.spec().labels()).orElseThrow().path());
        assertFalse(back.spec().labels().containsKey(ForkPlan.CLONE_LABEL));
    }

    @Test
    void aPersistedCreateSaysTheNewestCheckpointsOwnProblemWhenItLostItsManifest() {
        up("p3", Map.of());
        dump("p3", "older", true);
        CheckpointStore.Stored newest = dump("p3", "newer", true);
        store.dropManifest(newest);
        remove.remove("p3", true);

        Container c = persist.create(request("p3", Map.of(PersistPolicy.LABEL, "true")),
                PersistContainer.through(restore), engine.create::runDetached);
        Restored r = Restored.of(c.spec().labels()).orElseThrow();
        assertEquals(Restored.Path.FRESH, r.path(), "only the newest is tried: an older one would roll back");
        assertEquals(Optional.of("p3/newer"), r.from());
        assertTrue(r.reason().contains("has no manifest.json"), r.reason());
        assertEquals(1, warnings.lines().size());
        assertTrue(warnings.lines().get(0).startsWith("restore of p3/newer failed (checkpoint 'p3/newer' has no"
                + " manifest.json"), warnings.lines().get(0));
    }
}

package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Restored;
import dev.quilt.domain.User;
import dev.quilt.domain.checkpoint.CheckpointManifest;
import dev.quilt.domain.checkpoint.CheckpointName;
import dev.quilt.ports.CheckpointStore;
import dev.quilt.usecases.ContainerRequest;
import dev.quilt.usecases.PersistContainer;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The create side of the persist policy on the fakes: which path, why, and what is said. */
class PersistContainerTest {
    private final FakeEngine e = new FakeEngine();
    private final FakeCheckpointStore store = new FakeCheckpointStore(e.kernel);
    private final FakeWarnings warnings = new FakeWarnings();
    private final PersistContainer persist = new PersistContainer(store, e.lookup, warnings);
    private final List<String> restores = new ArrayList<>();

    private static ContainerRequest request(String name, Map<String, String> labels) {
        return new ContainerRequest(Optional.empty(), Optional.of(ContainerName.of(name)), List.of("sleep"), List.of(),
                k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false, false, NetworkMode.NONE,
                Resources.UNLIMITED).withLabels(labels);
    }

    private static final Map<String, String> PERSIST = Map.of("quilt.persist", "true");

    /** A committed checkpoint named {@code ckpt} of a container named {@code name}, made at {@code at}. */
    private CheckpointStore.Stored checkpoint(String id, String name, String ckpt, Instant at) {
        Container c = e.create.runDetached(request(name + "-src-" + ckpt, Map.of()));
        try (CheckpointStore.Draft d = store.begin(ContainerId.of(id), new CheckpointName(ckpt))) {
            d.saveRecord(c);
            return d.commit(new CheckpointManifest(CheckpointManifest.FORMAT, new CheckpointName(ckpt),
                    ContainerId.of(id), Optional.of(ContainerName.of(name)), at, "4.1.1", "6.18", Optional.empty(),
                    Optional.empty(), false, false, CheckpointManifest.Externals.NONE, List.of()));
        }
    }

    private Container fresh(ContainerRequest req) {
        return e.create.runDetached(req);
    }

    private PersistContainer.Restore restoring(RuntimeException failure) {
        return (from, name, outcome) -> {
            restores.add(from.name().value());
            if (failure != null) throw failure;
            return e.create.runDetached(request(name.value(), Map.of("app", "x")).withLabels(
                    outcome.into(Map.of("app", "x"))));
        };
    }

    @Test
    void aRequestNotPersistedIsCreatedFreshAsIs() {
        checkpoint("a1", "web", "c1", Instant.parse("2026-12-01T12:00:00Z"));
        Container c = persist.create(request("web", Map.of("app", "x")), restoring(null), this::fresh);
        assertEquals(Map.of("app", "x"), c.spec().labels());
        assertEquals(List.of(), restores);
        assertEquals(List.of(), warnings.lines());
    }

    @Test
    void withNoCheckpointItIsFreshAndTheRecordSaysWhy() {
        checkpoint("a1", "db", "c1", Instant.parse("2026-12-01T12:00:00Z"));
        Container c = persist.create(request("web", PERSIST), restoring(null), this::fresh);
        assertEquals(Optional.of(Restored.fresh(Optional.empty(), "no checkpoint of 'web'")),
                Restored.of(c.spec().labels()));
        assertEquals(List.of(), restores, "another name's checkpoint is never taken");
        assertEquals(List.of(), warnings.lines(), "a first create is no failure");
    }

    @Test
    void theNewestCheckpointOfTheNameIsRestored() {
        checkpoint("a1", "web", "old", Instant.parse("2026-12-01T12:00:00Z"));
        checkpoint("b2", "web", "new", Instant.parse("2026-12-01T12:05:00Z"));
        checkpoint("c3", "db", "newest", Instant.parse("2026-12-01T12:09:00Z"));
        Container c = persist.create(request("web", Map.of("quilt.persist", "true", "app", "x")), restoring(null),
                this::fresh);
        assertEquals(List.of("new"), restores);
        assertEquals(Optional.of(Restored.restore("web/new")), Restored.of(c.spec().labels()));
        assertEquals("x", c.spec().labels().get("app"));
        assertEquals(List.of(), warnings.lines());
    }

    @Test
    void anyFailedRestoreFallsBackFreshNamingTheReason() {
        checkpoint("a1", "web", "c1", Instant.parse("2026-12-01T12:00:00Z"));
        Container c = persist.create(request("web", PERSIST), restoring(QuiltException.invalid(
                "checkpoint web/c1 is damaged: criu/pages-1.img has 4096 bytes, the manifest says 8192")), this::fresh);
        Restored r = Restored.of(c.spec().labels()).orElseThrow();
        assertEquals(Restored.Path.FRESH, r.path());
        assertEquals(Optional.of("web/c1"), r.from());
        assertEquals("checkpoint web/c1 is damaged: criu/pages-1.img has 4096 bytes, the manifest says 8192",
                r.reason());
        assertEquals(List.of("restore of web/c1 failed (checkpoint web/c1 is damaged: criu/pages-1.img has 4096 bytes,"
                + " the manifest says 8192); created fresh"), warnings.lines());
        assertEquals("web", c.name().orElseThrow().value());

        Container d = persist.create(request("db", PERSIST), restoring(null), this::fresh);
        assertEquals(Restored.Path.FRESH, Restored.of(d.spec().labels()).orElseThrow().path());
    }

    @Test
    void anUnexpectedFailureIsAReasonToo() {
        checkpoint("a1", "web", "c1", Instant.parse("2026-12-01T12:00:00Z"));
        Container c = persist.create(request("web", PERSIST), restoring(new IllegalStateException("boom\nat x")),
                this::fresh);
        assertEquals("internal error (IllegalStateException)", Restored.of(c.spec().labels()).orElseThrow().reason());
    }

    @Test
    void aNameInUseIsAConflictBeforeAnythingIsTried() {
        checkpoint("a1", "web", "c1", Instant.parse("2026-12-01T12:00:00Z"));
        e.create.runDetached(request("web", Map.of()));
        QuiltException x = assertThrows(QuiltException.class,
                () -> persist.create(request("web", PERSIST), restoring(null), this::fresh));
        assertEquals(QuiltException.Kind.CONFLICT, x.kind());
        assertEquals("name 'web' is in use; remove that container first", x.getMessage());
        assertTrue(restores.isEmpty());
    }
}

package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.NoSuchContainerException;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Status;
import dev.quilt.domain.User;
import dev.quilt.usecases.ContainerRequest;
import dev.quilt.usecases.RenameContainer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** rename through its use case on the fake kernel: the happy path, each refusal, and a rename cut short. */
class RenameContainerTest {
    private final FakeEngine engine = new FakeEngine();
    private final RenameContainer rename = new RenameContainer(engine.lookup, engine.state);

    private static ContainerRequest request(String name) {
        return new ContainerRequest(Optional.empty(), Optional.of(ContainerName.of(name)), List.of("sleep"), List.of(),
                k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false, false, NetworkMode.NONE,
                Resources.UNLIMITED);
    }

    private static QuiltException refused(QuiltException.Kind kind, Runnable r) {
        QuiltException e = assertThrows(QuiltException.class, r::run);
        assertEquals(kind, e.kind(), e.getMessage());
        return e;
    }

    @Test
    void aRunningAndAStoppedContainerTakeTheNewNameAndLoseTheOld() {
        Container web = engine.create.runDetached(request("web"));
        RenameContainer.Renamed r = rename.rename("web", "/front");
        assertEquals(Optional.of(ContainerName.of("web")), r.oldName());
        assertEquals(Optional.of(ContainerName.of("front")), r.container().name());
        assertEquals(web.id(), engine.lookup.get("front").id());
        assertThrows(NoSuchContainerException.class, () -> engine.lookup.get("web"));
        assertEquals(Status.RUNNING, engine.lookup.get("front").status());

        engine.kill.kill("front", "KILL");
        assertEquals(Status.STOPPED, engine.lookup.get("front").status());
        rename.rename(web.id().value(), "back");
        assertEquals(Optional.of(ContainerName.of("back")), engine.lookup.get("back").name());
        assertThrows(NoSuchContainerException.class, () -> engine.lookup.get("front"));
        engine.create.runDetached(request("front")); // the old name is free again
    }

    @Test
    void refusalsChangeNothing() {
        Container a = engine.create.runDetached(request("a1"));
        Container b = engine.create.runDetached(request("b1"));
        assertEquals(RenameContainer.inUse(ContainerName.of("b1"), b.id()),
                refused(QuiltException.Kind.CONFLICT, () -> rename.rename("a1", "b1")).getMessage());
        refused(QuiltException.Kind.INVALID_INPUT, () -> rename.rename("a1", "no spaces"));
        refused(QuiltException.Kind.INVALID_INPUT, () -> rename.rename("a1", ""));
        assertEquals("Renaming a container with the same name as its current name",
                refused(QuiltException.Kind.INVALID_INPUT, () -> rename.rename("a1", "a1")).getMessage());
        assertThrows(NoSuchContainerException.class, () -> rename.rename("nosuch", "c1"));
        // an OCI bundle's container: its name is the ID its runtime's caller knows it by
        Container bundled = engine.create.runDetached(request("runc-id"));
        Container stored = engine.state.load(bundled.id()).orElseThrow();
        dev.quilt.domain.ContainerSpec s = stored.spec();
        engine.state.save(stored.withSpec(new dev.quilt.domain.ContainerSpec(s.process(), s.root(), s.hostname(),
                s.namespaces(), s.stdinOpen(), s.init(), s.network(), s.resources(), s.health(), s.ready(), s.log(),
                s.security(), Optional.of(new dev.quilt.domain.Bundle("/bundle", java.util.Map.of(),
                java.util.Map.of(), Optional.empty(), null, null)), s.labels())));
        assertTrue(refused(QuiltException.Kind.CONFLICT, () -> rename.rename("runc-id", "c2")).getMessage()
                .contains("OCI bundle"));
        assertEquals(bundled.id(), engine.lookup.get("runc-id").id());
        assertEquals(a.id(), engine.lookup.get("a1").id());
        assertEquals(b.id(), engine.lookup.get("b1").id());
    }

    @Test
    void aFailedSaveKeepsTheOldNameAndFreesTheNewOne() {
        Container a = engine.create.runDetached(request("a1"));
        engine.kernel.failNext("state.save", 1);
        assertThrows(RuntimeException.class, () -> rename.rename("a1", "a2"));
        assertEquals(Optional.of(ContainerName.of("a1")), engine.lookup.get(a.id().value()).name());
        assertEquals(Optional.empty(), engine.state.byName(ContainerName.of("a2")));
    }

    @Test
    void aRenameCutShortLeavesAClaimThatNamesNothingAndIsTakenOver() {
        Container a = engine.create.runDetached(request("a1"));
        Container b = engine.create.runDetached(request("b1"));
        // cut after the claim: the record keeps its name, the extra claim finds nothing
        engine.state.claimName(ContainerName.of("x1"), a.id());
        assertEquals(Optional.of(ContainerName.of("a1")), engine.lookup.get(a.id().value()).name());
        assertThrows(NoSuchContainerException.class, () -> engine.lookup.get("x1"));
        rename.rename("b1", "x1");
        assertEquals(b.id(), engine.lookup.get("x1").id());
        // cut after the save: the record has the new name, the old claim finds nothing
        engine.state.claimName(ContainerName.of("a2"), a.id());
        engine.state.save(engine.state.load(a.id()).orElseThrow().named(Optional.of(ContainerName.of("a2"))));
        assertEquals(a.id(), engine.lookup.get("a2").id());
        assertThrows(NoSuchContainerException.class, () -> engine.lookup.get("a1"));
        rename.rename("x1", "a1");
        assertEquals(b.id(), engine.lookup.get("a1").id());
    }
}

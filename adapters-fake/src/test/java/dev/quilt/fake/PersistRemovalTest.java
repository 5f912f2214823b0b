package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Resources;
import dev.quilt.domain.User;
import dev.quilt.usecases.ContainerRequest;
import dev.quilt.usecases.LifecycleHooks;
import dev.quilt.usecases.RemoveContainer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The removal side of the persist policy on the fakes: a live persisted container is checkpointed first. */
class PersistRemovalTest {
    private final FakeEngine e = new FakeEngine();
    private final FakeWarnings warnings = new FakeWarnings();
    private final List<String> checkpointed = new ArrayList<>();

    private RemoveContainer remover(RuntimeException failure) {
        return new RemoveContainer(e.lookup, e.state, e.processes, e.forget, e.cgroups,
                new LifecycleHooks(new FakeHookRunner(), new FakeWarnings()), c -> {
                    checkpointed.add(c.displayName());
                    if (failure != null) throw failure;
                }, warnings);
    }

    private Container up(String name, Map<String, String> labels) {
        return e.create.runDetached(new ContainerRequest(Optional.empty(), Optional.of(ContainerName.of(name)),
                List.of("sleep"), List.of(), k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false,
                false, NetworkMode.NONE, Resources.UNLIMITED).withLabels(labels));
    }

    @Test
    void aLivePersistedContainerIsCheckpointedThenRemovedWithoutForce() {
        up("web", Map.of("quilt.persist", "true"));
        remover(null).remove("web", false);
        assertEquals(List.of("web"), checkpointed);
        assertTrue(e.lookup.named(ContainerName.of("web")).isEmpty(), "removed");
        assertEquals(List.of(), warnings.lines());
    }

    @Test
    void aFailedCheckpointIsAWarningAndTheRemovalProceeds() {
        up("web", Map.of("quilt.persist", "true"));
        remover(QuiltException.invalid("criu: no such file; run scripts/setup.sh")).remove("web", false);
        assertEquals(List.of("checkpoint of persisted container 'web' failed (criu: no such file; run"
                + " scripts/setup.sh); removing it anyway"), warnings.lines());
        assertTrue(e.lookup.named(ContainerName.of("web")).isEmpty(), "removed all the same");
    }

    @Test
    void aContainerNotPersistedOrNotRunningIsNotCheckpointed() {
        up("plain", Map.of());
        QuiltException refused = org.junit.jupiter.api.Assertions.assertThrows(QuiltException.class,
                () -> remover(null).remove("plain", false));
        assertEquals(QuiltException.Kind.CONFLICT, refused.kind(), "docker's rule stands for it");
        remover(null).remove("plain", true);
        Container p = up("paused", Map.of("quilt.persist", "true"));
        e.pause.pause("paused");
        remover(null).remove("paused", false);
        assertEquals(List.of("paused"), checkpointed, "a paused one's processes still live: checkpointed");
        up("stopped", Map.of("quilt.persist", "true"));
        e.kill.kill("stopped", "KILL");
        remover(null).remove("stopped", false);
        assertEquals(List.of("paused"), checkpointed, "nothing runs in a stopped one");
        assertTrue(p.name().isPresent());
    }
}

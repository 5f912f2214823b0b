package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Resources;
import dev.quilt.domain.User;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.ContainerRequest;
import dev.quilt.usecases.CreateContainer;
import dev.quilt.usecases.KillContainer;
import dev.quilt.usecases.PauseContainer;
import dev.quilt.usecases.UpdateResources;
import dev.quilt.usecases.ListProcesses;
import dev.quilt.usecases.ContainerEvents;
import dev.quilt.domain.ResourceUpdate;
import java.time.Duration;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** update, ps and events through their use cases on the fake kernel. */
class ControlUseCasesTest {
    private final FakeEngine engine = new FakeEngine();
    private final FakeContainerProcesses processes = engine.processes;
    private final FakeCgroups cgroups = engine.cgroups;
    private final ContainerLookup lookup = engine.lookup;
    private final CreateContainer create = engine.create;
    private final PauseContainer pause = engine.pause;
    private final KillContainer kill = engine.kill;

    private final UpdateResources update = new UpdateResources(lookup, cgroups, engine.state);
    private final ListProcesses ps = new ListProcesses(lookup, cgroups);
    private final ContainerEvents events = new ContainerEvents(lookup, cgroups, processes);

    private static ContainerRequest request(String name) {
        return new ContainerRequest(Optional.empty(), Optional.of(dev.quilt.domain.ContainerName.of(name)),
                List.of("sleep"), List.of(), k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false,
                false, NetworkMode.NONE, Resources.UNLIMITED);
    }

    private static ResourceUpdate pids(long n) {
        return new ResourceUpdate(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(n));
    }

    @Test
    void updateChangesALiveContainersCgroupAndRefusesAStoppedOne() {
        Container web = create.runDetached(request("web"));
        update.update("web", pids(7));
        assertEquals(Optional.of(7L), cgroups.usage(web.id()).orElseThrow().pidsLimit());
        assertEquals(Optional.of(7L), lookup.get("web").spec().resources().pids(),
                "the record takes the new limits (docker's update changes HostConfig)");
        pause.pause("web");
        update.update("web", pids(8));
        assertEquals(Optional.of(8L), cgroups.usage(web.id()).orElseThrow().pidsLimit(), "a paused one too, as runc");
        QuiltException none = assertThrows(QuiltException.class, () -> update.update("web", ResourceUpdate.NONE));
        assertEquals(QuiltException.Kind.INVALID_INPUT, none.kind());
        kill.kill("web", "KILL");
        assertEquals("container 'web' is stopped; only a created, running or paused container's limits can be changed",
                assertThrows(QuiltException.class, () -> update.update("web", pids(9))).getMessage());
    }

    @Test
    void psListsTheInitOfALiveContainerAndNothingOfAStoppedOne() {
        Container web = create.runDetached(request("web"));
        assertEquals(List.of(web.init().orElseThrow().pid()), ps.of("web").pids());
        kill.kill("web", "KILL");
        assertEquals(List.of(), ps.of("web").pids());
    }

    @Test
    void eventsStreamReadingsUntilTheContainerStops() {
        create.runDetached(request("web"));
        assertEquals(1, events.now("web").usage().pids());
        List<ContainerEvents.Event> seen = new ArrayList<>();
        events.follow("web", Duration.ofMillis(1), s -> {
            seen.add(s);
            if (seen.size() == 3) kill.kill("web", "KILL"); // the stream ends at the exit
        });
        assertEquals(3, seen.size());
        assertEquals("container 'web' is stopped; events need a created, running or paused one",
                assertThrows(QuiltException.class, () -> events.now("web")).getMessage());
        assertEquals("--interval must be more than 0 (e.g. 5s), not 0ms",
                assertThrows(QuiltException.class, () -> events.follow("web", Duration.ZERO, s -> { })).getMessage());
    }
}

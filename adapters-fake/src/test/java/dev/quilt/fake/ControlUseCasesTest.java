package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Status;
import dev.quilt.domain.User;
import dev.quilt.usecases.AttachNetwork;
import dev.quilt.usecases.BecomeReady;
import dev.quilt.usecases.CheckHealth;
import dev.quilt.usecases.ContainerLauncher;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.ContainerRequest;
import dev.quilt.usecases.CreateContainer;
import dev.quilt.usecases.ExecInContainer;
import dev.quilt.usecases.Forget;
import dev.quilt.usecases.ImageResolver;
import dev.quilt.usecases.KillContainer;
import dev.quilt.usecases.PauseContainer;
import dev.quilt.usecases.RemoveContainer;
import dev.quilt.usecases.ResumeContainer;
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
    private final FakeKernel kernel = new FakeKernel();
    private final FakeClock clock = new FakeClock();
    private final FakeStateStore state = new FakeStateStore(kernel);
    private final FakeImageStore images = new FakeImageStore(kernel, clock);
    private final FakeContainerStorage storage = new FakeContainerStorage(kernel, images);
    private final FakeContainerProcesses processes = new FakeContainerProcesses(kernel, state);
    private final FakeCgroups cgroups = new FakeCgroups(kernel);
    private final Forget forget = new Forget(state, storage, new FakeHostNetwork(kernel), new FakeNetworkStore(kernel),
            cgroups);
    private final ContainerLookup lookup = new ContainerLookup(state, processes, clock, cgroups);
    private final FakeContainerExec fakeExec = new FakeContainerExec(kernel);
    private final CreateContainer create = new CreateContainer(new ContainerLauncher(
            new ImageResolver(images, new FakeDefaultImage()), state, storage, new FakeProcessSpawner(kernel, state),
            forget, new AttachNetwork(new FakeNetworkStore(kernel), new FakeHostNetwork(kernel)), cgroups,
            new SequentialIds(), clock, FakeHostLimits.DEFAULT, new FakeSubordinateIds()),
            new BecomeReady(state, fakeExec, processes, new CheckHealth(lookup, state, cgroups, fakeExec, clock),
                    new FakeTicker(clock), forget, clock));
    private final PauseContainer pause = new PauseContainer(lookup, cgroups);
    private final ResumeContainer resume = new ResumeContainer(lookup, cgroups);
    private final KillContainer kill = new KillContainer(lookup, processes, cgroups);

    private final UpdateResources update = new UpdateResources(lookup, cgroups);
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

package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Status;
import dev.quilt.domain.User;
import dev.quilt.ports.ProcessSpawner;
import dev.quilt.ports.StateStore;
import dev.quilt.usecases.AttachNetwork;
import dev.quilt.usecases.BecomeReady;
import dev.quilt.usecases.CheckHealth;
import dev.quilt.usecases.ContainerLauncher;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.ContainerRequest;
import dev.quilt.usecases.CreateContainer;
import dev.quilt.usecases.Forget;
import dev.quilt.usecases.ImageResolver;
import dev.quilt.usecases.LifecycleHooks;
import dev.quilt.usecases.RestartContainer;
import dev.quilt.usecases.StartContainer;
import dev.quilt.usecases.StopContainer;
import dev.quilt.usecases.WaitContainer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ContainerLauncher#relaunch} and {@link RestartContainer} on the fake engine: what they keep, refuse and undo. */
class RestartContainerTest {
    private final FakeKernel kernel = new FakeKernel();
    private final FakeClock clock = new FakeClock();
    private final FakeStateStore state = new FakeStateStore(kernel);
    private final FakeImageStore images = new FakeImageStore(kernel, clock);
    private final FakeContainerStorage storage = new FakeContainerStorage(kernel, images);
    private final FakeContainerProcesses processes = new FakeContainerProcesses(kernel, state);
    private final FakeNetworkStore addresses = new FakeNetworkStore(kernel);
    private final FakeHostNetwork hostNetwork = new FakeHostNetwork(kernel);
    private final FakeCgroups cgroups = new FakeCgroups(kernel);
    private final Forget forget = new Forget(state, storage, hostNetwork, addresses, cgroups);
    private final ContainerLookup lookup = new ContainerLookup(state, processes, clock, cgroups);
    private final FakeContainerExec exec = new FakeContainerExec(kernel);
    private final BecomeReady ready = new BecomeReady(state, exec, processes,
            new CheckHealth(lookup, state, cgroups, exec, clock), new FakeTicker(clock), forget, clock);
    private final ContainerLauncher launcher = new ContainerLauncher(new ImageResolver(images, new FakeDefaultImage()),
            state, storage, new FakeProcessSpawner(kernel, state), forget, new AttachNetwork(addresses, hostNetwork),
            cgroups, new SequentialIds(), clock, FakeHostLimits.DEFAULT, new FakeSubordinateIds());
    private final CreateContainer create = new CreateContainer(launcher, ready);
    private final StartContainer start = new StartContainer(lookup, state, processes, ready, clock,
            new LifecycleHooks(new FakeHookRunner(), new FakeWarnings()));
    private final WaitContainer waiter = new WaitContainer(lookup, processes);
    private final StopContainer stop = new StopContainer(lookup, processes, waiter, cgroups);
    private final RestartContainer restart = new RestartContainer(lookup, state, launcher, ready, start, stop);

    private static ContainerRequest request(String name, String... args) {
        return new ContainerRequest(Optional.empty(), Optional.of(ContainerName.of(name)), List.of(args), List.of(),
                k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false, args.length == 0,
                NetworkMode.BRIDGE, Resources.DEFAULT);
    }

    private Container exited(String name) {
        Container c = create.runDetached(request(name, "exit", "5"));
        Container stopped = lookup.observe(c.id()).orElseThrow();
        assertEquals(Status.STOPPED, stopped.status());
        assertEquals(Optional.of(ExitStatus.exited(5)), stopped.exit());
        return stopped;
    }

    @Test
    void anExitedOneRunsAgainWithItsIdNameLayerAndANewAddress() {
        Container first = exited("web");
        assertTrue(addresses.leases().isEmpty(), "the first run gave its address back");
        Container again = restart.startAgain("web");
        assertEquals(first.id(), again.id());
        assertEquals(first.name(), again.name());
        assertEquals(1, again.restartCount());
        assertEquals(Set.of(first.id()), storage.list(), "one layer, kept");
        Container seen = lookup.observe(first.id()).orElseThrow();
        assertEquals(Status.STOPPED, seen.status(), "exit 5 again");
        assertEquals(Optional.of(ExitStatus.exited(5)), seen.exit());
        assertEquals(1, seen.restartCount());
        List<FakeStateStore.Transition> moves = state.transitions().stream()
                .filter(t -> t.id().equals(first.id())).toList();
        for (FakeStateStore.Transition t : moves) {
            t.from().ifPresent(from -> assertTrue(from.canBecome(t.to()), "illegal " + from + " -> " + t.to()));
        }
        assertTrue(moves.stream().anyMatch(t -> t.from().equals(Optional.of(Status.STOPPED))
                && t.to() == Status.CREATING), "made again: " + moves);
    }

    @Test
    void aRunningOneIsStoppedAndRunAgainAndAnAddressIsNeverHeldTwice() {
        Container c = create.runDetached(request("box"));
        Container again = restart.restart("box", Duration.ofSeconds(1));
        assertEquals(c.id(), again.id());
        assertEquals(Status.RUNNING, again.status());
        assertEquals(1, addresses.leases().size(), "one lease: " + addresses.leases());
        assertEquals(again.endpoint().orElseThrow().address(), addresses.leases().keySet().iterator().next());
        assertEquals(1, kernel.linkSnapshot().size());
    }

    @Test
    void runAgainCreatedWaitsAtTheGateForStart() {
        Container first = exited("gated");
        ContainerLauncher.Launch launch;
        try (StateStore.Lock lock = state.lock(first.id())) {
            launch = launcher.relaunch(first, ProcessSpawner.Mode.CREATED);
        }
        launch.launched().close();
        assertEquals(Status.CREATED, lookup.observe(first.id()).orElseThrow().status());
        start.start("gated");
        assertEquals(Optional.of(ExitStatus.exited(5)), lookup.observe(first.id()).orElseThrow().exit());
    }

    @Test
    void onlyAnExitedOneIsRunAgain() {
        create.create(request("made", "sleep"));
        QuiltException e = assertThrows(QuiltException.class, () -> restart.startAgain("made"));
        assertEquals(QuiltException.Kind.CONFLICT, e.kind());
        assertEquals("container 'made' is created; only an exited container is started again", e.getMessage());
        assertEquals(Status.CREATED, lookup.get("made").status(), "the refusal changed nothing");
        Container fg = exited("fg");
        assertThrows(IllegalArgumentException.class, () -> launcher.relaunch(fg, ProcessSpawner.Mode.FOREGROUND));
        assertEquals(Status.STOPPED, lookup.get("fg").status());
    }

    @Test
    void aFailureBeforeTheCommandRunsLeavesItStoppedAsItWasAndUndoesTheRun() {
        Container first = exited("flaky");
        for (String step : List.of("storage.prepare", "cgroups.create", "network.lease", "spawner.launch")) {
            kernel.failNext(step, 1);
            assertThrows(QuiltException.class, () -> restart.startAgain("flaky"), step);
            Container now = lookup.observe(first.id()).orElseThrow();
            assertEquals(Status.STOPPED, now.status(), step);
            assertEquals(Optional.of(ExitStatus.exited(5)), now.exit(), step + ": its last exit");
            assertEquals(0, now.restartCount(), step);
            assertEquals(Set.of(first.id()), storage.list(), step + ": the layer is kept");
            assertTrue(addresses.leases().isEmpty(), step + ": no address left");
            assertTrue(kernel.linkSnapshot().isEmpty(), step + ": no link left");
            assertTrue(kernel.cgroupSnapshot().isEmpty(), step + ": no cgroup left");
        }
        kernel.clearFaults();
        assertEquals(1, restart.startAgain("flaky").restartCount(), "and it can run again after");
    }

    @Test
    void noLayerIsNotFoundAndTheRecordStays() {
        Container first = exited("bare");
        storage.release(first.id());
        QuiltException e = assertThrows(QuiltException.class, () -> restart.startAgain("bare"));
        assertEquals(QuiltException.Kind.NOT_FOUND, e.kind());
        assertEquals(Status.STOPPED, lookup.observe(first.id()).orElseThrow().status());
    }
}

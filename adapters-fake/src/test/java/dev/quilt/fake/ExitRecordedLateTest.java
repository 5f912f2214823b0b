package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Status;
import dev.quilt.domain.User;
import dev.quilt.ports.ContainerProcesses;
import dev.quilt.ports.SpawnFailedException;
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
import dev.quilt.usecases.StartContainer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The monitor writes exit.json and then leaves; a lookup reads exit.json and then looks at the processes. Here the
 * monitor's write always lands between the two (held back until the lookup's first look at a process), the order
 * that once lost {@code LifecycleIT.anExecThatFailsAtStartIsReportedByStart}'s exit code: the record was saved
 * stopped with none. The code is always reported, and the record saved with it.
 */
class ExitRecordedLateTest {
    private final FakeKernel kernel = new FakeKernel();
    private final FakeClock clock = new FakeClock();
    private final FakeStateStore state = new FakeStateStore(kernel);
    /** The monitors' exit records not written yet: each is written at the next look at a process. */
    private final List<Runnable> unwritten = new ArrayList<>();
    private final FakeContainerProcesses kernelProcesses = new FakeContainerProcesses(kernel, state);
    /** The fake's processes, with the monitors' late writes landing just before any look at a process. */
    private final ContainerProcesses processes = new ContainerProcesses() {
        @Override
        public boolean isAlive(ProcessRef process) {
            List<Runnable> now = List.copyOf(unwritten);
            unwritten.clear();
            now.forEach(Runnable::run);
            return kernelProcesses.isAlive(process);
        }

        @Override
        public void signal(ProcessRef process, int signal) {
            kernelProcesses.signal(process, signal);
        }

        @Override
        public WaitOutcome awaitExit(ContainerId id, ProcessRef monitor, Optional<ProcessRef> init,
                                     Optional<Duration> deadline) {
            return kernelProcesses.awaitExit(id, monitor, init, deadline);
        }

        @Override
        public boolean startPending(ContainerId id) {
            return kernelProcesses.startPending(id);
        }

        @Override
        public void start(ContainerId id, ProcessRef init) {
            kernelProcesses.start(id, init);
        }

        @Override
        public int signalNumber(String nameOrNumber) {
            return kernelProcesses.signalNumber(nameOrNumber);
        }

        @Override
        public int sigkill() {
            return kernelProcesses.sigkill();
        }

        @Override
        public int sigterm() {
            return kernelProcesses.sigterm();
        }
    };
    private final FakeImageStore images = new FakeImageStore(kernel, clock);
    private final FakeContainerStorage storage = new FakeContainerStorage(kernel, images);
    private final FakeNetworkStore addresses = new FakeNetworkStore(kernel);
    private final FakeHostNetwork hostNetwork = new FakeHostNetwork(kernel);
    private final FakeCgroups cgroups = new FakeCgroups(kernel);
    private final Forget forget = new Forget(state, storage, hostNetwork, addresses, cgroups);
    private final ContainerLookup lookup = new ContainerLookup(state, processes, clock, cgroups);
    private final FakeContainerExec exec = new FakeContainerExec(kernel);
    private final BecomeReady ready = new BecomeReady(state, exec, processes,
            new CheckHealth(lookup, state, cgroups, exec, clock), new FakeTicker(clock), forget, clock);
    private final CreateContainer create = new CreateContainer(new ContainerLauncher(
            new ImageResolver(images, new FakeDefaultImage()), state, storage, new FakeProcessSpawner(kernel, state),
            forget, new AttachNetwork(addresses, hostNetwork), cgroups, new SequentialIds(), clock,
            FakeHostLimits.DEFAULT, new FakeSubordinateIds()), ready);
    private final StartContainer start = new StartContainer(lookup, state, processes, ready, clock,
            new LifecycleHooks(new FakeHookRunner(), new FakeWarnings()));

    ExitRecordedLateTest() {
        // each monitor's record of an exit is held back: it leaves the process table first, writes after
        kernel.recorder((id, exit, error) -> unwritten.add(() -> state.recordExit(id, exit, error)));
    }

    private static ContainerRequest request(String name, String command) {
        return new ContainerRequest(Optional.empty(), Optional.of(ContainerName.of(name)), List.of(command),
                List.of(), k -> Optional.empty(), Optional.empty(), "/", User.ROOT, false, false, false,
                NetworkMode.NONE, Resources.UNLIMITED);
    }

    @Test
    void anExecThatFailsAtStartIsSavedStoppedWithItsCode() {
        Container created = create.create(request("web", "nosuch"));
        SpawnFailedException e = assertThrows(SpawnFailedException.class, () -> start.start(created.id().value()));
        assertEquals(127, e.exitCode());
        Container saved = state.load(created.id()).orElseThrow();
        assertEquals(Status.STOPPED, saved.status());
        assertEquals(Optional.of(ExitStatus.exited(127)), saved.exit(), "the record start saved holds the code");
        assertEquals(Optional.of(ExitStatus.exited(127)), lookup.get("web").exit());
        assertEquals(List.of(), unwritten);
    }

    @Test
    void aContainerThatExitedIsSeenWithItsCode() {
        Container running = create.runDetached(request("job", "sleep"));
        processes.signal(running.init().orElseThrow(), 9);
        Container seen = lookup.get(running.id().value());
        assertEquals(Status.STOPPED, seen.status());
        assertEquals(Optional.of(ExitStatus.killedBy(9)), seen.exit());
    }
}

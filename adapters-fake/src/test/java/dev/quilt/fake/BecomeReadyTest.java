package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.HealthCheck;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.Phase;
import dev.quilt.domain.PhaseMark;
import dev.quilt.domain.ReadyPolicy;
import dev.quilt.domain.Resources;
import dev.quilt.domain.User;
import dev.quilt.ports.NotReadyException;
import dev.quilt.usecases.AttachNetwork;
import dev.quilt.usecases.BecomeReady;
import dev.quilt.usecases.LifecycleHooks;
import dev.quilt.usecases.CheckHealth;
import dev.quilt.usecases.ContainerLauncher;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.ContainerRequest;
import dev.quilt.usecases.CreateContainer;
import dev.quilt.usecases.Forget;
import dev.quilt.usecases.ImageResolver;
import dev.quilt.usecases.StartContainer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The readiness chain against the fake kernel: which phase fails, and what is left after. */
class BecomeReadyTest {
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
    private final ContainerLookup lookup = new ContainerLookup(state, processes, clock);
    private final FakeContainerExec exec = new FakeContainerExec(kernel);
    private final CheckHealth health = new CheckHealth(lookup, state, cgroups, exec, clock);
    private final BecomeReady ready = new BecomeReady(state, exec, processes, health, new FakeTicker(clock),
            forget, clock);
    private final ContainerLauncher launcher = new ContainerLauncher(new ImageResolver(images, new FakeDefaultImage()),
            state, storage, new FakeProcessSpawner(kernel, state), forget, new AttachNetwork(addresses, hostNetwork),
            cgroups, new SequentialIds(), clock, FakeHostLimits.DEFAULT, new FakeSubordinateIds());
    private final CreateContainer create = new CreateContainer(launcher, ready);

    private ContainerRequest request(List<String> args, Optional<String> check, boolean keep) {
        return new ContainerRequest(Optional.empty(), Optional.empty(), args, List.of(), k -> Optional.empty(),
                Optional.empty(), "/", User.ROOT, false, false, false, NetworkMode.NONE, Resources.UNLIMITED,
                check.map(c -> HealthCheck.fromFlags(c, null, null, null, null)),
                new ReadyPolicy(Duration.ofSeconds(1), keep));
    }

    private static List<Phase> phases(Container c) {
        return c.readiness().marks().stream().map(PhaseMark::phase).toList();
    }

    @Test
    void aCheckThatPassesOnItsThirdRunMakesItReadyAndHealthy() {
        Container c = create.runDetached(request(List.of("sleep"), Optional.of("pass after 2"), false));
        assertEquals(List.of(Phase.SPAWNED, Phase.NETWORK, Phase.EXEC, Phase.HEALTHY), phases(c));
        assertEquals(dev.quilt.domain.Health.Status.HEALTHY, c.health().orElseThrow().status());
        assertEquals(c, state.load(c.id()).orElseThrow(), "the record says so too");
    }

    @Test
    void aCheckThatNeverPassesFailsHealthyAtTheDeadlineAndLeavesNothing() {
        NotReadyException e = assertThrows(NotReadyException.class,
                () -> create.runDetached(request(List.of("sleep"), Optional.of("exit 1"), false)));
        assertEquals(Phase.HEALTHY, e.phase());
        assertTrue(e.getMessage().contains("phase healthy did not hold within 1s (last check: exit 1: exit 1)"),
                e.getMessage());
        assertEquals(List.of(), state.list());
        assertEquals(java.util.Set.of(), kernel.cgroupSnapshot());
        assertEquals(java.util.Set.of(), kernel.layerSnapshot());
        assertTrue(kernel.processes().isEmpty(), kernel.processes().toString());
    }

    @Test
    void keepOnFailureKeepsItRunningWithTheChainSoFar() {
        NotReadyException e = assertThrows(NotReadyException.class,
                () -> create.runDetached(request(List.of("sleep"), Optional.of("hang"), true)));
        assertTrue(e.getMessage().contains("kept it (--keep-on-failure)"), e.getMessage());
        Container kept = state.load(state.ids().get(0)).orElseThrow();
        assertEquals(List.of(Phase.SPAWNED, Phase.NETWORK, Phase.EXEC), phases(kept));
        assertEquals("timed out", kept.health().orElseThrow().last().orElseThrow().how());
    }

    @Test
    void aCheckCutByTheReadinessDeadlineIsNoVerdictWhenAnEarlierOneExists() {
        NotReadyException e = assertThrows(NotReadyException.class,
                () -> create.runDetached(request(List.of("sleep"), Optional.of("fail then hang after 2"), true)));
        assertTrue(e.getMessage().contains("phase healthy did not hold within 1s (last check: exit 1: sick)"),
                e.getMessage());
        Container kept = state.load(state.ids().get(0)).orElseThrow();
        assertEquals("sick\n", kept.health().orElseThrow().last().orElseThrow().output(), "the verdict stands");
    }

    @Test
    void aCheckThatCannotRunFailsHealthyAtOnceAndLeavesNothing() {
        NotReadyException e = assertThrows(NotReadyException.class,
                () -> create.runDetached(request(List.of("sleep"), Optional.of("no shell"), false)));
        assertEquals(Phase.HEALTHY, e.phase());
        assertTrue(e.getMessage().contains("phase healthy failed: the check could not run: exec \"/bin/sh\""),
                e.getMessage());
        assertEquals(List.of(), state.list());
        assertTrue(kernel.processes().isEmpty(), kernel.processes().toString());
    }

    @Test
    void aFailedProbeFailsExec() {
        kernel.failNext("exec.probe", 1);
        NotReadyException e = assertThrows(NotReadyException.class,
                () -> create.runDetached(request(List.of("sleep"), Optional.empty(), false)));
        assertEquals(Phase.EXEC, e.phase());
        assertEquals(List.of(), state.list());
    }

    @Test
    void aPhaseThatCannotBeRecordedFailsItAndLeavesNothing() {
        // a full disk after the launch: the exec phase holds but its record cannot be written
        ContainerLauncher.Launch l = launcher.launch(request(List.of("sleep"), Optional.empty(), false),
                dev.quilt.ports.ProcessSpawner.Mode.DETACHED);
        kernel.failNext("state.save", 1);
        NotReadyException e = assertThrows(NotReadyException.class, () -> ready.await(l.container(), l.deadline()));
        assertEquals(Phase.EXEC, e.phase());
        assertTrue(e.getMessage().contains("phase exec held, but it could not be recorded: ")
                && e.getMessage().endsWith("removed it (--keep-on-failure keeps it)"), e.getMessage());
        assertEquals(List.of(), state.list());
        assertTrue(kernel.processes().isEmpty(), kernel.processes().toString());
    }

    @Test
    void aProbeThatFindsTheInitEndingIsAJobDoneNotAFailure() {
        // quilt-exec met the init in its exit (ESRCH) before the process table says it is gone
        kernel.failNext("exec.ending", 1);
        Container job = create.runDetached(request(List.of("sleep"), Optional.empty(), false));
        assertEquals(List.of(Phase.SPAWNED, Phase.NETWORK), phases(job));
        kernel.failNext("exec.ending", 1);
        NotReadyException e = assertThrows(NotReadyException.class,
                () -> create.runDetached(request(List.of("sleep"), Optional.of("true"), false)));
        assertEquals(Phase.EXEC, e.phase());
        assertTrue(e.getMessage().contains("phase exec failed: the container exited before its health check could run"),
                e.getMessage());
    }

    @Test
    void aProbeKilledBecauseTheInitExitedIsAJobDoneNotAFailedProbe() {
        // `docker run --rm alpine sh -c 'exit 3'`: the init exits while the probe runs and takes it along (137)
        kernel.failNext("exec.init-exits", 1);
        Container job = create.runDetached(request(List.of("sleep"), Optional.empty(), false));
        assertEquals(List.of(Phase.SPAWNED, Phase.NETWORK), phases(job));
        assertTrue(state.load(job.id()).isPresent(), "a job that is done is kept, not removed as not ready");
        kernel.failNext("exec.init-exits", 1);
        NotReadyException e = assertThrows(NotReadyException.class,
                () -> create.runDetached(request(List.of("sleep"), Optional.of("true"), false)));
        assertEquals(Phase.EXEC, e.phase());
        assertTrue(e.getMessage().contains("the container exited before its health check could run"), e.getMessage());
    }

    @Test
    void aJobDoneBeforeTheProbeIsNoFailureWithoutACheckButIsWithOne() {
        Container job = create.runDetached(request(List.of("exit", "0"), Optional.empty(), false));
        assertEquals(List.of(Phase.SPAWNED, Phase.NETWORK), phases(job));
        NotReadyException e = assertThrows(NotReadyException.class,
                () -> create.runDetached(request(List.of("exit", "0"), Optional.of("true"), false)));
        assertEquals(Phase.EXEC, e.phase());
    }

    @Test
    void startWalksTheRestOfTheChain() {
        Container created = create.create(request(List.of("sleep"), Optional.of("pass after 1"), false));
        assertEquals(List.of(Phase.SPAWNED, Phase.NETWORK), phases(created));
        Container started = new StartContainer(lookup, state, processes, ready, clock,
                new LifecycleHooks(new FakeHookRunner(), new FakeWarnings())).start(created.id().value());
        assertEquals(List.of(Phase.SPAWNED, Phase.NETWORK, Phase.EXEC, Phase.HEALTHY), phases(started));
    }

    @Test
    void aMissingBinaryFailsSpawnedAndNamesIt() {
        NotReadyException e = assertThrows(NotReadyException.class,
                () -> create.runDetached(request(List.of("nosuch"), Optional.empty(), false)));
        assertEquals(Phase.SPAWNED, e.phase());
        assertEquals(127, e.exitCode());
        assertEquals(List.of(), state.list());
    }
}

package dev.quilt.fake;

import dev.quilt.domain.Capability;
import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.RuncTerms;
import dev.quilt.domain.Status;
import dev.quilt.domain.oci.OciLinux;
import dev.quilt.domain.oci.OciProcess;
import dev.quilt.domain.oci.RuntimeSpec;
import dev.quilt.ports.ProcessSpawner;
import dev.quilt.usecases.AttachNetwork;
import dev.quilt.usecases.BecomeReady;
import dev.quilt.usecases.BundleRequest;
import dev.quilt.usecases.CheckHealth;
import dev.quilt.usecases.ContainerLauncher;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.CreateContainer;
import dev.quilt.usecases.Forget;
import dev.quilt.usecases.ImageResolver;
import dev.quilt.usecases.KillContainer;
import dev.quilt.usecases.RunContainer;
import dev.quilt.usecases.LifecycleHooks;
import dev.quilt.usecases.StartContainer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The use-case entry points quilt-runc goes through, on the fakes: create in runc's mode (HANDED_OFF),
 * start without Quilt's readiness chain (runc probes nothing), a bundle in the foreground, the lookup by
 * name only, and kill --all.
 */
class RuncUseCasesTest {
    private final FakeKernel kernel = new FakeKernel();
    private final FakeClock clock = new FakeClock();
    private final FakeStateStore state = new FakeStateStore(kernel);
    private final FakeImageStore images = new FakeImageStore(kernel, clock);
    private final FakeContainerStorage storage = new FakeContainerStorage(kernel, images);
    private final FakeNetworkStore addresses = new FakeNetworkStore(kernel);
    private final FakeHostNetwork hostNetwork = new FakeHostNetwork(kernel);
    private final FakeCgroups cgroups = new FakeCgroups(kernel);
    private final Forget forget = new Forget(state, storage, hostNetwork, addresses, cgroups);
    private final ContainerLauncher launcher = new ContainerLauncher(new ImageResolver(images, new FakeDefaultImage()),
            state, storage, new FakeProcessSpawner(kernel, state), forget, new AttachNetwork(addresses, hostNetwork),
            cgroups, new SequentialIds(), clock, new FakeHostLimits(2, 2L * 1024 * 1024), new FakeSubordinateIds());
    private final FakeContainerProcesses processes = new FakeContainerProcesses(kernel, state);
    private final FakeContainerExec exec = new FakeContainerExec(kernel);
    private final ContainerLookup lookup = new ContainerLookup(state, processes, clock);
    private final BecomeReady ready = new BecomeReady(state, exec, processes,
            new CheckHealth(lookup, state, cgroups, exec, clock), new FakeTicker(clock), forget, clock);
    private final CreateContainer create = new CreateContainer(launcher, ready);
    private final StartContainer start = new StartContainer(lookup, state, processes, ready, clock,
            new LifecycleHooks(new FakeHookRunner(), new FakeWarnings()));
    private final KillContainer kill = new KillContainer(lookup, processes, cgroups);

    private static BundleRequest request(String id, String... args) {
        OciProcess p = new OciProcess(false, Optional.empty(), new OciProcess.User(0, 0, Optional.empty(), List.of()),
                List.of(args), List.of("PATH=/bin"), "/", Optional.of(new OciProcess.CapabilitySets(Set.of(Capability.KILL),
                Set.of(Capability.KILL), Set.of(), Set.of(Capability.KILL), Set.of())), List.of(), true, Optional.empty(),
                Optional.empty(), Optional.empty());
        OciLinux linux = new OciLinux(Stream.of(OciLinux.NamespaceType.PID, OciLinux.NamespaceType.MOUNT,
                OciLinux.NamespaceType.UTS).map(t -> new OciLinux.NamespaceEntry(t, Optional.empty())).toList(),
                List.of(), List.of(), List.of(), Optional.empty(), Optional.empty(), Map.of(), Optional.empty(), List.of(),
                List.of(), Optional.empty(), Optional.empty());
        RuntimeSpec spec = new RuntimeSpec("1.0.2", Optional.of(p), Optional.of(new RuntimeSpec.Root("rootfs", true)),
                Optional.of("box"), Optional.empty(), List.of(), Optional.of(linux), Optional.empty(),
                Map.of("org.example", "yes"));
        return new BundleRequest(spec, "/srv/bundle", Optional.of(ContainerName.runc(id)), List.of(), RuncTerms.RUNC);
    }

    @Test
    void createdInRuncsModeIsFoundByItsNameOnly() {
        Container c = create.create(request("+web_1", "sleep"), ProcessSpawner.Mode.HANDED_OFF);
        assertEquals(Status.CREATED, c.status());
        assertEquals(Optional.of(c.id()), lookup.named(ContainerName.runc("+web_1")));
        assertEquals(Map.of("org.example", "yes"), c.spec().bundle().orElseThrow().annotations());
        assertEquals(RuncTerms.RUNC, c.spec().bundle().orElseThrow().terms());
        // an ID prefix is quilt's way, not runc's
        assertEquals(Optional.empty(), lookup.named(ContainerName.runc(c.id().value().substring(0, 6))));
        assertThrows(IllegalArgumentException.class, () -> create.create(request("x", "sleep"),
                ProcessSpawner.Mode.DETACHED), "create is always gated");
    }

    @Test
    void startExecedRunsNoProbeWhereStartWould() {
        Container a = create.create(request("a", "sleep"), ProcessSpawner.Mode.HANDED_OFF);
        Container b = create.create(request("b", "sleep"), ProcessSpawner.Mode.HANDED_OFF);
        kernel.failNext("exec.probe", 1); // a bundle whose root has no shell for the probe
        Container running = start.startExeced(a.id().value());
        assertEquals(Status.RUNNING, running.status());
        assertEquals(Status.RUNNING, lookup.get(a.id().value()).status());
        // the same failure fails Quilt's own start, which waits for its readiness chain and removes the container
        assertThrows(dev.quilt.ports.NotReadyException.class, () -> start.start(b.id().value()));
    }

    @Test
    void aBundleInTheForegroundGivesItsExitAndKeepsTheRecord() {
        RunContainer run = new RunContainer(launcher, state, forget, clock);
        ExitStatus exit = run.run(request("fg", "exit", "3"), RunContainer.Observer.NONE);
        assertEquals(3, exit.code());
        Container c = lookup.get(lookup.named(ContainerName.runc("fg")).orElseThrow().value());
        assertEquals(Status.STOPPED, c.status(), "runc: the record stays until delete");
    }

    @Test
    void killAllSignalsTheCgroupAndAStoppedContainerIsSuccess() {
        Container c = create.create(request("k", "sleep"), ProcessSpawner.Mode.HANDED_OFF);
        start.startExeced(c.id().value());
        kill.killAll(c.id().value(), "KILL");
        assertEquals(Status.STOPPED, lookup.get(c.id().value()).status());
        assertEquals(Status.STOPPED, kill.killAll(c.id().value(), "9").status(), "kill of a stopped one is success");
        assertTrue(lookup.get(c.id().value()).exit().isEmpty(), "handed off: the caller reaps it, no code is ours");
    }
}

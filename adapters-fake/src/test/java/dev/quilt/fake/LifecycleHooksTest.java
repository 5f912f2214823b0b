package dev.quilt.fake;

import dev.quilt.domain.Capability;
import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.Status;
import dev.quilt.domain.oci.OciHooks;
import dev.quilt.domain.oci.OciLinux;
import dev.quilt.domain.oci.OciMount;
import dev.quilt.domain.oci.OciProcess;
import dev.quilt.domain.oci.RuntimeSpec;
import dev.quilt.usecases.AttachNetwork;
import dev.quilt.usecases.BecomeReady;
import dev.quilt.usecases.BundleRequest;
import dev.quilt.usecases.CheckHealth;
import dev.quilt.usecases.ContainerLauncher;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.CreateContainer;
import dev.quilt.usecases.Forget;
import dev.quilt.usecases.ImageResolver;
import dev.quilt.usecases.LifecycleHooks;
import dev.quilt.usecases.RemoveContainer;
import dev.quilt.usecases.StartContainer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A bundle's poststart hooks run after start with the state "running" and the init's pid, its poststop
 * hooks after rm with the state "stopped" and no pid; a failure of either is a warning, the next hook
 * still runs, and the container's lifecycle goes on (config.md "POSIX-platform Hooks").
 */
class LifecycleHooksTest {
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
    private final FakeHookRunner runner = new FakeHookRunner();
    private final FakeWarnings warnings = new FakeWarnings();
    private final LifecycleHooks hooks = new LifecycleHooks(runner, warnings);
    private final StartContainer start = new StartContainer(lookup, state, processes, ready, clock, hooks);
    private final RemoveContainer rm = new RemoveContainer(lookup, state, processes, forget, cgroups, hooks);

    private static OciHooks.Hook hook(String path) {
        return new OciHooks.Hook(path, List.of(path), List.of("A=1"), Optional.of(5));
    }

    private static RuntimeSpec spec(OciHooks h) {
        OciProcess p = new OciProcess(false, Optional.empty(), new OciProcess.User(0, 0, Optional.empty(), List.of()),
                List.of("sh"), List.of(), "/", Optional.of(new OciProcess.CapabilitySets(Set.of(Capability.KILL),
                Set.of(Capability.KILL), Set.of(), Set.of(Capability.KILL), Set.of())),
                List.of(), true, Optional.empty(), Optional.empty(), Optional.empty());
        OciLinux linux = new OciLinux(Stream.of(OciLinux.NamespaceType.PID, OciLinux.NamespaceType.MOUNT,
                OciLinux.NamespaceType.UTS).map(t -> new OciLinux.NamespaceEntry(t, Optional.empty())).toList(),
                List.of(), List.of(), List.of(), Optional.empty(), Optional.empty(), Map.of(), Optional.empty(),
                List.of(), List.of(), Optional.empty(), Optional.empty());
        return new RuntimeSpec("1.0.2", Optional.of(p), Optional.of(new RuntimeSpec.Root("rootfs", false)),
                Optional.of("box"), Optional.empty(), List.of(new OciMount("/proc", "proc", "proc", List.of())),
                Optional.of(linux), Optional.of(h), Map.of("org.example", "v"));
    }

    private Container created(OciHooks h) {
        return create.create(new BundleRequest(spec(h), "/srv/b", Optional.of(ContainerName.of("hooked")), List.of()));
    }

    @Test
    void poststartRunsAfterStartAndPoststopAfterRemoveEachWithItsState() {
        Container c = created(new OciHooks(List.of(), List.of(), List.of(), List.of(), List.of(hook("/h/poststart")),
                List.of(hook("/h/poststop"))));
        assertEquals(List.of(), runner.ran(), "nothing of the JVM's runs at create");
        Container running = start.start(c.id().value());
        int pid = running.init().orElseThrow().pid();
        String head = "{\"ociVersion\":\"1.0.2\",\"id\":\"hooked\""; // the name its creator gave (quilt-runc: its ID)
        String tail = ",\"bundle\":\"/srv/b\",\"annotations\":{\"org.example\":\"v\"}}";
        assertEquals(List.of(new FakeHookRunner.Ran("poststart", 0, "/h/poststart",
                head + ",\"status\":\"running\",\"pid\":" + pid + tail, "/srv/b")), runner.ran());
        processes.signal(running.init().orElseThrow(), processes.sigkill());
        rm.remove(c.id().value(), true);
        assertEquals(new FakeHookRunner.Ran("poststop", 0, "/h/poststop", head + ",\"status\":\"stopped\"" + tail,
                "/srv/b"), runner.ran().get(1));
        assertEquals(List.of(), warnings.lines());
    }

    @Test
    void aFailingPoststartOrPoststopHookIsAWarningAndTheNextStillRuns() {
        runner.failing("/h/bad");
        Container c = created(new OciHooks(List.of(), List.of(), List.of(), List.of(),
                List.of(hook("/h/bad"), hook("/h/good")), List.of(hook("/h/bad"), hook("/h/after"))));
        Container running = start.start(c.id().value());
        assertEquals(Status.RUNNING, running.status(), "the container runs on");
        assertEquals(List.of("error running poststart hook #0 /h/bad: exit status 1"), warnings.lines());
        rm.remove(c.id().value(), true);
        assertEquals(List.of("/h/bad", "/h/good", "/h/bad", "/h/after"),
                runner.ran().stream().map(FakeHookRunner.Ran::path).toList());
        assertEquals(List.of("error running poststart hook #0 /h/bad: exit status 1",
                "error running poststop hook #0 /h/bad: exit status 1"), warnings.lines());
        assertEquals(List.of(), state.list(), "rm went through");
    }

    @Test
    void aContainerThatIsNoBundlesRunsNoHooks() {
        Container c = created(new OciHooks(List.of(), List.of(), List.of(), List.of(), List.of(), List.of()));
        start.start(c.id().value());
        rm.remove(c.id().value(), true);
        assertEquals(List.of(), runner.ran());
    }
}

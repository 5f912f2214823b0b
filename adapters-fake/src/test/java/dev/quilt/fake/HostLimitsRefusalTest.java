package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ReadyPolicy;
import dev.quilt.domain.Resources;
import dev.quilt.domain.User;
import dev.quilt.usecases.AttachNetwork;
import dev.quilt.usecases.ContainerLauncher;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.ContainerRequest;
import dev.quilt.usecases.ExecInContainer;
import dev.quilt.usecases.Forget;
import dev.quilt.usecases.ImageResolver;
import dev.quilt.usecases.RunContainer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the host cannot give is refused before anything is made: the host's CPUs, execve's ARG_MAX. */
class HostLimitsRefusalTest {
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
    private final FakeHostLimits host = new FakeHostLimits(2, 2L * 1024 * 1024);
    private final ContainerLauncher launcher = new ContainerLauncher(new ImageResolver(images, new FakeDefaultImage()),
            state, storage, new FakeProcessSpawner(kernel, state), forget, new AttachNetwork(addresses, hostNetwork),
            cgroups, new SequentialIds(), clock, host, new FakeSubordinateIds());
    private final RunContainer run = new RunContainer(launcher, state, forget, clock);
    private final ExecInContainer exec = new ExecInContainer(new ContainerLookup(state, processes, clock), cgroups,
            new FakeContainerExec(kernel), host);

    private static ContainerRequest request(List<String> args, List<String> env, String cpus) {
        return new ContainerRequest(Optional.empty(), Optional.empty(), args, env, k -> Optional.empty(),
                Optional.empty(), "/", User.ROOT, false, false, false, NetworkMode.NONE,
                Resources.fromFlags(null, null, cpus, null, null), Optional.empty(), ReadyPolicy.DEFAULT);
    }

    private void nothingMade() {
        assertEquals(List.of(), state.list());
        assertEquals(java.util.Set.of(), kernel.cgroupSnapshot());
        assertEquals(java.util.Set.of(), kernel.layerSnapshot());
        assertTrue(kernel.processes().isEmpty(), kernel.processes().toString());
    }

    @Test
    void moreCpusThanTheHostHas() {
        QuiltException e = assertThrows(QuiltException.class,
                () -> run.run(request(List.of("exit", "0"), List.of(), "1000"), RunContainer.Observer.NONE));
        assertEquals("--cpus 1000: range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available", e.getMessage());
        assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
        nothingMade();
        assertEquals(ExitStatus.exited(0), run.run(request(List.of("exit", "0"), List.of(), "2"), RunContainer.Observer.NONE));
    }

    @Test
    void anEnvironmentPastWhatExecveTakes() {
        QuiltException one = assertThrows(QuiltException.class, () -> run.run(
                request(List.of("exit", "0"), List.of("BIG=" + "x".repeat(200_000)), null), RunContainer.Observer.NONE));
        assertEquals("env 'BIG' is 200004 bytes; the kernel takes at most 131071 per string (MAX_ARG_STRLEN)",
                one.getMessage());
        List<String> many = java.util.stream.IntStream.range(0, 20).mapToObj(i -> "K" + i + "=" + "v".repeat(120_000))
                .toList();
        QuiltException all = assertThrows(QuiltException.class,
                () -> run.run(request(List.of("exit", "0"), many, null), RunContainer.Observer.NONE));
        assertTrue(all.getMessage().contains("(ARG_MAX"), all.getMessage());
        nothingMade();
        // two of 106,000 bytes each are fine
        assertEquals(ExitStatus.exited(0), run.run(request(List.of("exit", "0"),
                List.of("A=" + "a".repeat(106_000), "B=" + "b".repeat(106_000)), null), RunContainer.Observer.NONE));
    }

    @Test
    void anExecPastWhatExecveTakes() {
        ContainerLauncher.Launch launch = launcher.launch(request(List.of("sleep"), List.of(), null),
                dev.quilt.ports.ProcessSpawner.Mode.DETACHED);
        launch.launched().close();
        Container c = launch.container();
        QuiltException e = assertThrows(QuiltException.class, () -> exec.exec(c.id().value(), new ExecInContainer.Request(
                List.of("echo", "y".repeat(131_072)), List.of(), k -> Optional.empty(), Optional.empty(),
                Optional.empty(), false, false)));
        assertEquals("argument 2 of the command is 131072 bytes; the kernel takes at most 131071 per string "
                + "(MAX_ARG_STRLEN)", e.getMessage());
    }
}

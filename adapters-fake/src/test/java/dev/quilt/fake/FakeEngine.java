package dev.quilt.fake;

import dev.quilt.usecases.AttachNetwork;
import dev.quilt.usecases.BecomeReady;
import dev.quilt.usecases.CheckHealth;
import dev.quilt.usecases.ContainerLauncher;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.CreateContainer;
import dev.quilt.usecases.Forget;
import dev.quilt.usecases.ImageResolver;
import dev.quilt.usecases.KillContainer;
import dev.quilt.usecases.PauseContainer;
import dev.quilt.usecases.ResumeContainer;

/**
 * The use cases wired on one fake kernel as {@code LinuxModule} wires them on the real one, with a
 * lookup that sees paused containers: for tests that drive a container through several use cases.
 */
final class FakeEngine {
    final FakeKernel kernel = new FakeKernel();
    final FakeClock clock = new FakeClock();
    final FakeStateStore state = new FakeStateStore(kernel);
    final FakeImageStore images = new FakeImageStore(kernel, clock);
    final FakeContainerStorage storage = new FakeContainerStorage(kernel, images);
    final FakeContainerProcesses processes = new FakeContainerProcesses(kernel, state);
    final FakeCgroups cgroups = new FakeCgroups(kernel);
    final Forget forget = new Forget(state, storage, new FakeHostNetwork(kernel), new FakeNetworkStore(kernel),
            cgroups);
    final ContainerLookup lookup = new ContainerLookup(state, processes, clock, cgroups);
    final FakeContainerExec exec = new FakeContainerExec(kernel);
    final FakeProcessSpawner spawner = new FakeProcessSpawner(kernel, state);
    final ContainerLauncher launcher = new ContainerLauncher(
            new ImageResolver(images, new FakeDefaultImage()), state, storage, spawner,
            forget, new AttachNetwork(new FakeNetworkStore(kernel), new FakeHostNetwork(kernel)), cgroups,
            new SequentialIds(), clock, FakeHostLimits.DEFAULT, new FakeSubordinateIds());
    final BecomeReady ready = new BecomeReady(state, exec, processes, new CheckHealth(lookup, state, cgroups, exec,
            clock), new FakeTicker(clock), forget, clock);
    final CreateContainer create = new CreateContainer(launcher, ready);
    final PauseContainer pause = new PauseContainer(lookup, cgroups);
    final ResumeContainer resume = new ResumeContainer(lookup, cgroups);
    final KillContainer kill = new KillContainer(lookup, processes, cgroups);
}

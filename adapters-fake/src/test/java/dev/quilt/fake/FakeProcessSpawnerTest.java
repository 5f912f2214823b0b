package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.ImageName;
import dev.quilt.domain.ProcessSpec;
import dev.quilt.domain.User;
import dev.quilt.ports.ImageStore;
import dev.quilt.ports.ProcessSpawner;
import dev.quilt.ports.ProcessSpawnerContract;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Optional;

class FakeProcessSpawnerTest extends ProcessSpawnerContract {
    private final FakeKernel kernel = new FakeKernel();
    private final FakeImageStore images = new FakeImageStore(kernel, new FakeClock());
    private final FakeContainerStorage storage = new FakeContainerStorage(kernel, images);
    private final FakeProcessSpawner spawner = new FakeProcessSpawner(kernel, new FakeStateStore(kernel));

    @Override
    protected int liveProcessesOf(ContainerId id) {
        return (int) kernel.processes().values().stream().filter(p -> p.container.equals(id)).count();
    }

    @Override
    protected ProcessSpawner spawner() {
        return spawner;
    }

    @Override
    protected ContainerSpec prepared(ContainerId id, List<String> args) {
        var image = images.importTar(new ByteArrayInputStream(new byte[] {1}), Optional.of(new ImageName("x")),
                ImageStore.ImportProgress.NONE);
        storage.prepare(id, image.digest());
        return new ContainerSpec(new ProcessSpec(args, List.of(), "/", User.ROOT, false), image.digest(),
                new Hostname("box"), ContainerSpec.DEFAULT_NAMESPACES, false, false, dev.quilt.domain.NetworkMode.NONE,
                dev.quilt.domain.Resources.DEFAULT);
    }

    @Override
    protected List<String> exitWith(int code) {
        return List.of("exit", Integer.toString(code));
    }

    @Override
    protected List<String> runUntilSignalled() {
        return List.of("sleep");
    }

    @Override
    protected List<String> missingBinary() {
        return List.of("nosuch");
    }

}

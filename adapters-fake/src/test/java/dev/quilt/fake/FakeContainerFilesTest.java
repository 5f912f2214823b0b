package dev.quilt.fake;

import dev.quilt.domain.ProcessRef;
import dev.quilt.ports.ContainerFiles;
import dev.quilt.ports.ContainerFilesContract;

class FakeContainerFilesTest extends ContainerFilesContract {
    private final FakeContainerFiles files = new FakeContainerFiles();
    private final ContainerFiles.Target target = files.container(new ProcessRef(42, 1000));

    @Override
    protected ContainerFiles files() {
        return files;
    }

    @Override
    protected ContainerFiles.Target container() {
        return target;
    }
}

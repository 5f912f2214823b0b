package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.Security;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.ContainerExec;
import dev.quilt.ports.ContainerExecContract;
import dev.quilt.ports.Stdio;

import java.util.List;

class FakeContainerExecTest extends ContainerExecContract {
    private final FakeKernel kernel = new FakeKernel();
    private final FakeContainerExec exec = new FakeContainerExec(kernel);
    private final ContainerId id = ContainerId.of("f".repeat(64));
    private final FakeKernel.FakeProcess init = kernel.spawn(id, false, List.of("sleep"));

    @Override
    protected ContainerExec exec() {
        return exec;
    }

    @Override
    protected ContainerExec.Target target() {
        return new ContainerExec.Target(init.ref(), ContainerSpec.DEFAULT_NAMESPACES, Cgroups.Placement.NONE, id,
                Security.DEFAULT);
    }

    @Override
    protected Stdio stdio() {
        return Stdio.INHERITED;
    }
}

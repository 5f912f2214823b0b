package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.CgroupsContract;

import java.util.List;

class FakeCgroupsTest extends CgroupsContract {
    private final FakeKernel kernel = new FakeKernel();

    @Override
    protected Cgroups cgroups() {
        return new FakeCgroups(kernel);
    }

    @Override
    protected Member join(ContainerId id, Cgroups.Placement placement) {
        FakeKernel.FakeProcess p = kernel.spawn(id, false, List.of("sleep"));
        return deadline -> p.exit().isPresent();
    }
}

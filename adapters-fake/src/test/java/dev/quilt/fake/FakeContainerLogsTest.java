package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ProcessRef;
import dev.quilt.ports.ContainerLogs;
import dev.quilt.ports.ContainerLogsContract;

class FakeContainerLogsTest extends ContainerLogsContract {
    private final FakeContainerLogs logs = new FakeContainerLogs();
    private final ProcessRef live = new ProcessRef(100, 1);
    private final ProcessRef gone = new ProcessRef(101, 1);

    FakeContainerLogsTest() {
        logs.open(ID, live);
        logs.open(ID, gone);
        logs.writerGone(gone);
    }

    @Override
    protected ContainerLogs logs() {
        return logs;
    }

    @Override
    protected void write(ContainerId id, ContainerLogs.Entry e) {
        logs.append(id, e);
    }

    @Override
    protected ProcessRef liveWriter() {
        return live;
    }

    @Override
    protected ProcessRef goneWriter() {
        return gone;
    }
}

package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.ports.ExecRecords;
import dev.quilt.ports.ExecRecordsContract;

class FakeExecRecordsTest extends ExecRecordsContract {
    private final FakeExecRecords records = new FakeExecRecords();

    @Override
    protected ExecRecords records() {
        return records;
    }

    @Override
    protected void container(ContainerId id) {
        // every container may have records
    }

    @Override
    protected void removed(ContainerId id) {
        records.remove(id);
    }

    @Override
    protected int livePid() {
        return 4242;
    }
}

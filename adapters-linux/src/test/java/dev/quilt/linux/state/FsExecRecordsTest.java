package dev.quilt.linux.state;

import dev.quilt.domain.ContainerId;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.ports.ExecRecords;
import dev.quilt.ports.ExecRecordsContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FsExecRecordsTest extends ExecRecordsContract {
    @TempDir
    Path root;
    private FsExecRecords records;

    private LinuxPaths paths() {
        return LinuxPaths.under(root);
    }

    @Override
    protected ExecRecords records() {
        if (records == null) records = new FsExecRecords(paths());
        return records;
    }

    @Override
    protected void container(ContainerId id) {
        try {
            Files.createDirectories(paths().containerState(id));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected void removed(ContainerId id) {
        try {
            AtomicFiles.deleteTree(paths().containerState(id));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected int livePid() {
        return (int) ProcessHandle.current().pid();
    }

    private static ExecRecords.Exec exec(String id, ContainerId c) {
        return new ExecRecords.Exec(id, c, List.of("true"), false, false, "", false, false, false,
                Optional.of(Duration.ofMillis(1500)), Optional.empty());
    }

    @Test
    void aSaveForARemovedContainerDoesNotBringItsDirectoryBack() {
        ContainerId c = ContainerId.of("9".repeat(64));
        records().save(exec("8".repeat(64), c));
        assertFalse(Files.exists(paths().containerState(c)));
        assertEquals(List.of(), records().all());
    }

    @Test
    void prepareMakesTheDirectoryQuiltExecOpensAndNeverTheContainers() {
        ContainerId c = ContainerId.of("7".repeat(64));
        container(c);
        records().prepare(c);
        assertTrue(Files.isDirectory(records().exitRecord(c, "6".repeat(64)).getParent()));
        assertEquals(List.of(), records().all(), "a place, no record");
        ContainerId gone = ContainerId.of("5".repeat(64));
        records().prepare(gone);
        assertFalse(Files.exists(paths().containerState(gone)));
    }

    @Test
    void aBrokenRecordIsSkippedAndTheOthersAnswer() throws IOException {
        ContainerId c = ContainerId.of("7".repeat(64));
        container(c);
        ExecRecords.Exec good = exec("6".repeat(64), c);
        records().save(good);
        Files.writeString(paths().containerState(c).resolve("execs").resolve("5".repeat(64) + ".json"), "{\"ID\":");
        Files.writeString(records().exitRecord(c, "4".repeat(64)), "not json");
        assertEquals(List.of(good), records().all());
        assertEquals(Optional.empty(), records().exit(c, "4".repeat(64)));
    }

    @Test
    void quiltExecsRecordIsReadAsItWritesIt() throws IOException {
        ContainerId c = ContainerId.of("3".repeat(64));
        container(c);
        records().save(exec("2".repeat(64), c));
        // the text of exec/exit_record.c's exit_record_format
        Files.writeString(records().exitRecord(c, "2".repeat(64)), "{\"ExitCode\":5,\"Signal\":0,\"TimedOut\":false}\n");
        assertEquals(Optional.of(new ExecRecords.Exit(5, 0, false)), records().exit(c, "2".repeat(64)));
    }
}

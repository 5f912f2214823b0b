package dev.quilt.linux.logs;

import dev.quilt.domain.ContainerId;
import dev.quilt.linux.LinuxPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CriLogsTest {
    @Test
    void recordsGoBackToTheirStreamsAcrossReads() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        CriLogs.LineSplitter s = new CriLogs.LineSplitter(out, err);
        byte[] log = ("2026-01-01T00:00:00.000000001Z stdout F hello world\n"
                + "2026-01-01T00:00:00.000000002Z stderr F oops\n"
                + "2026-01-01T00:00:00.000000003Z stdout P no newline yet, \n"
                + "2026-01-01T00:00:00.000000004Z stdout F then one\n"
                + "2026-01-01T00:00:00.000000005Z stdout P tail\n").getBytes(StandardCharsets.UTF_8);
        // fed in awkward pieces, as reads of a growing file come
        for (int i = 0; i < log.length; i += 7) s.feed(java.util.Arrays.copyOfRange(log, i, Math.min(log.length, i + 7)),
                Math.min(7, log.length - i));
        assertEquals("hello world\nno newline yet, then one\ntail", out.toString(StandardCharsets.UTF_8));
        assertEquals("oops\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void linesThatAreNotRecordsAreSkipped() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        CriLogs.LineSplitter s = new CriLogs.LineSplitter(out, err);
        byte[] junk = "garbage\nT stdout F ok\n".getBytes(StandardCharsets.UTF_8);
        s.feed(junk, junk.length);
        assertEquals("ok\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aLogCaughtBetweenTheRotationsRenameAndTheNextFileIsReadFromItsRotatedPart(@TempDir Path root) throws Exception {
        LinuxPaths paths = LinuxPaths.under(root);
        ContainerId id = ContainerId.of("a".repeat(64));
        Files.createDirectories(paths.rotatedLog(id).getParent());
        // the monitor has renamed container.log to container.log.1 and not yet made the next one
        Files.writeString(paths.rotatedLog(id), "2026-01-01T00:00:00.000000001Z stdout F before the rotation\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        new CriLogs(paths).copy(id, out, err, Optional.empty());
        assertEquals("before the rotation\n", out.toString(StandardCharsets.UTF_8));
    }
}

package dev.quilt.linux.logs;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.QuiltException;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.ports.ContainerLogs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CriLogsTest {
    /** A reader that writes each record's text back to its stream, as {@code copy} does. */
    private static ContainerLogs.Reader into(ByteArrayOutputStream out, ByteArrayOutputStream err) {
        return e -> {
            ByteArrayOutputStream to = e.stream() == ContainerLogs.Stream.STDERR ? err : out;
            to.write(e.text());
            if (e.newline()) to.write('\n');
        };
    }

    @Test
    void eachRecordComesWithItsTimeStreamAndWhetherItEndedALine() throws Exception {
        List<ContainerLogs.Entry> got = new ArrayList<>();
        CriLogs.LineSplitter s = new CriLogs.LineSplitter(got::add);
        byte[] log = ("2026-01-01T00:00:00.000000001Z stdout F one\n"
                + "2026-01-01T00:00:01.5Z stderr P half\n"
                + "not-a-time stdout F still shown\n").getBytes(StandardCharsets.UTF_8);
        s.feed(log, log.length);
        assertEquals(3, got.size());
        assertEquals(Instant.parse("2026-01-01T00:00:00.000000001Z"), got.get(0).time());
        assertEquals(ContainerLogs.Stream.STDOUT, got.get(0).stream());
        assertEquals("one", new String(got.get(0).text(), StandardCharsets.UTF_8));
        assertTrue(got.get(0).newline());
        assertEquals(Instant.parse("2026-01-01T00:00:01.500Z"), got.get(1).time());
        assertEquals(ContainerLogs.Stream.STDERR, got.get(1).stream());
        assertFalse(got.get(1).newline(), "a P record is a partial line");
        assertEquals(Instant.EPOCH, got.get(2).time());
        assertEquals("still shown", new String(got.get(2).text(), StandardCharsets.UTF_8));
    }

    @Test
    void aReadGivesTheRotatedPartFirstThenTheCurrentOneAndSaysWhenItCaughtUp(@TempDir Path root) throws Exception {
        LinuxPaths paths = LinuxPaths.under(root);
        ContainerId id = ContainerId.of("b".repeat(64));
        Files.createDirectories(paths.log(id).getParent());
        Files.writeString(paths.rotatedLog(id), "2026-01-01T00:00:00.000000001Z stdout F older\n");
        Files.writeString(paths.log(id), "2026-01-01T00:00:00.000000002Z stderr F newer\n");
        List<String> seen = new ArrayList<>();
        new CriLogs(paths).read(id, new ContainerLogs.Reader() {
            @Override
            public void entry(ContainerLogs.Entry e) {
                seen.add(e.stream() + " " + new String(e.text(), StandardCharsets.UTF_8));
            }

            @Override
            public void caughtUp() {
                seen.add("caught up");
            }
        }, Optional.empty(), new CompletableFuture<>());
        assertEquals(List.of("STDOUT older", "STDERR newer", "caught up"), seen);
    }

    @Test
    void aContainerWithoutALogIsNotFound(@TempDir Path root) {
        LinuxPaths paths = LinuxPaths.under(root);
        QuiltException e = assertThrows(QuiltException.class, () -> new CriLogs(paths).read(
                ContainerId.of("c".repeat(64)), x -> {}, Optional.empty(), new CompletableFuture<>()));
        assertEquals(QuiltException.Kind.NOT_FOUND, e.kind());
    }

    @Test
    void recordsGoBackToTheirStreamsAcrossReads() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        CriLogs.LineSplitter s = new CriLogs.LineSplitter(into(out, err));
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
        CriLogs.LineSplitter s = new CriLogs.LineSplitter(into(out, err));
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

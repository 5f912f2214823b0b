package dev.quilt.linux.checkpoint;

import dev.quilt.domain.QuiltException;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.Watches;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the checkpointer runs CRIU's CLI, with fake criu scripts (no root): the output of one that exits though a
 * child it left holds its stdout; the deadline of one that hangs, which kills it and its whole process group; the
 * last line of one that fails.
 */
class LinuxCheckpointerRunTest {
    @TempDir
    Path dir;

    @BeforeEach
    void load() {
        NativeLibrary.load(dir.resolve("native"));
    }

    private Path script(String body) throws Exception {
        Path s = dir.resolve("criu");
        Files.writeString(s, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwx------"));
        return s;
    }

    /** The pids the script wrote to {@code pids}, one a line. */
    private List<Integer> pids() throws Exception {
        return Files.readAllLines(dir.resolve("pids")).stream().map(String::strip).map(Integer::parseInt).toList();
    }

    /** Waits (an epoll on its pidfd, up to 30 s) until {@code pid} has exited; it may be gone already. */
    private static void assertEnds(int pid) {
        int fd = Processes.openPidfd(pid);
        if (fd < 0) return;
        try {
            assertNotEquals(Watches.TIMED_OUT, Watches.await(new int[] {fd}, 30_000), "pid " + pid + " still runs");
        } finally {
            Processes.closeFd(fd);
        }
    }

    @Test
    void aCommandThatLeftAChildHoldingItsStdoutGivesItsOutputAndTheChildGoes() throws Exception {
        Path criu = script("sleep 1000 &\necho $! > " + dir.resolve("pids") + "\necho 'Version: 3.17'\n");
        String out = LinuxCheckpointer.run(List.of(criu.toString(), "--version"), Instant.now().plusSeconds(60));
        assertEquals("Version: 3.17\n", out);
        assertEnds(pids().get(0));
    }

    @Test
    void aCommandThatHangsIsKilledWithItsGroupAtTheDeadline() throws Exception {
        Path criu = script("echo $$ > " + dir.resolve("pids") + "\nsleep 1000 &\necho $! >> " + dir.resolve("pids")
                + "\nwait\n");
        QuiltException e = assertThrows(QuiltException.class,
                () -> LinuxCheckpointer.run(List.of(criu.toString(), "dump"), Instant.now().plusSeconds(1)));
        assertEquals(criu + " dump did not finish by its deadline; killed it", e.getMessage());
        List<Integer> pids = pids();
        assertEquals(2, pids.size(), pids.toString());
        assertTrue(Processes.openPidfd(pids.get(0)) < 0, "the command itself is reaped");
        assertEnds(pids.get(1)); // its child, which held its stdout, went with its group
    }

    @Test
    void aCommandThatFailsSaysItsLastLine() throws Exception {
        Path criu = script("echo starting\necho 'Error (criu/cr-dump.c:1): no such task' >&2\nexit 3\n");
        QuiltException e = assertThrows(QuiltException.class,
                () -> LinuxCheckpointer.run(List.of(criu.toString(), "dump"), Instant.now().plusSeconds(60)));
        assertEquals("dump exited 3: Error (criu/cr-dump.c:1): no such task", e.getMessage());
    }

    @Test
    void aCommandThatCannotRunIsOneLine() {
        QuiltException e = assertThrows(QuiltException.class, () -> LinuxCheckpointer.run(
                List.of(dir.resolve("nosuch").toString(), "--version"), Instant.now().plusSeconds(60)));
        assertTrue(e.getMessage().startsWith("cannot run " + dir.resolve("nosuch") + ": "), e.getMessage());
    }
}

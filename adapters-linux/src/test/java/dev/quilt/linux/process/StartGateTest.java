package dev.quilt.linux.process;

import dev.quilt.domain.QuiltException;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.StartGate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exec-fifo gate and signal names against the real C library; no root needed. */
class StartGateTest {
    @TempDir
    Path dir;

    @BeforeEach
    void load() {
        NativeLibrary.load(dir.resolve("native"));
    }

    /** A writer that plays the init: opens the fifo (blocking until we do), writes, exits. */
    private StartGate.Outcome open(String written) throws Exception {
        Path fifo = dir.resolve("exec.fifo");
        StartGate.create(fifo.toString());
        Process writer = new ProcessBuilder("sh", "-c", "printf '%s' \"$1\" > \"$2\"", "sh", written, fifo.toString()).start();
        int pidfd = Processes.openPidfd((int) writer.pid());
        try {
            return StartGate.open(fifo.toString(), pidfd);
        } finally {
            Processes.closeFd(pidfd);
            writer.waitFor();
        }
    }

    @Test
    void theGateByteThenEndOfFileIsAStart() throws Exception {
        assertInstanceOf(StartGate.Started.class, open("0"));
    }

    @Test
    void textAfterTheGateByteIsTheExecError() throws Exception {
        StartGate.Outcome o = open("0ENOENT exec \"x\": no such file or directory");
        assertEquals(new StartGate.ExecFailed("ENOENT exec \"x\": no such file or directory"), o);
    }

    @Test
    void anInitThatIsGoneIsNotWaiting() throws Exception {
        Path fifo = dir.resolve("gone.fifo");
        StartGate.create(fifo.toString());
        // the pidfd is taken while the process lives (a `true` could be reaped before, leaving -1 and a gate
        // nobody ever opens), then it dies
        Process gone = new ProcessBuilder("sleep", "1000").start();
        int pidfd = Processes.openPidfd((int) gone.pid());
        assertTrue(pidfd >= 0, "a pidfd of a live process");
        gone.destroyForcibly().waitFor();
        try {
            assertInstanceOf(StartGate.NotWaiting.class, StartGate.open(fifo.toString(), pidfd));
        } finally {
            Processes.closeFd(pidfd);
        }
    }

    @Test
    void signalsByNameOrNumber() {
        LinuxContainerProcesses p = new LinuxContainerProcesses(LinuxPaths.under(dir), null);
        assertEquals(15, p.signalNumber("TERM"));
        assertEquals(15, p.signalNumber("SIGTERM"));
        assertEquals(9, p.signalNumber("kill"));
        assertEquals(1, p.signalNumber("1"));
        assertEquals("invalid signal 'NOPE': use a name like TERM, KILL, HUP or a number",
                assertThrows(QuiltException.class, () -> p.signalNumber("NOPE")).getMessage());
        assertThrows(QuiltException.class, () -> p.signalNumber("0"));
        assertThrows(QuiltException.class, () -> p.signalNumber("999"));
    }
}

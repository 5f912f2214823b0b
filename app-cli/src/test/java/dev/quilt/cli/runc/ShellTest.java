package dev.quilt.cli.runc;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a client IT says when a step goes wrong: the command, its exit code, its output and the logs. */
class ShellTest {
    @Test
    void aWrongExitCodeShowsTheCommandItsOutputAndTheLogs(@TempDir Path dir) throws Exception {
        Path calls = Files.writeString(dir.resolve("calls.log"), "runc create --bundle B c1\n");
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Files.writeString(logs.resolve("c1.log"), "{\"level\":\"error\",\"msg\":\"no such device\"}\n");
        Shell shell = new Shell(Map.of("QUILT_SHELL_TEST", "value from env"), List.of(calls, logs));
        AssertionError e = assertThrows(AssertionError.class, () -> shell.expect(0,
                List.of("sh", "-c", "echo out; echo \"err: $QUILT_SHELL_TEST\" >&2; exit 3")));
        String m = e.getMessage();
        assertTrue(m.contains("expected exit 0"), m);
        assertTrue(m.contains("$ sh -c echo out;"), m);
        assertTrue(m.contains("exit 3\n--- stdout\nout\n--- stderr\nerr: value from env\n"), m);
        assertTrue(m.contains("runc create --bundle B c1"), m);
        assertTrue(m.contains("no such device"), m);
    }

    @Test
    void theRightExitCodeGivesTheOutput() throws Exception {
        Shell.Result r = new Shell(Map.of(), List.of()).expect(4, List.of("sh", "-c", "echo four; exit 4"));
        assertEquals("four\n", r.out());
    }

    @Test
    void awaitLineReturnsOnTheLineAfterTheTrigger(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Shell shell = new Shell(Map.of(), List.of());
        // the stream prints "ready" only once the trigger has written to the fifo
        List<String> seen = shell.awaitLine(List.of("sh", "-c", "echo first; read x < " + fifo + "; echo $x; exec cat"),
                l -> l.equals("ready"), Duration.ofSeconds(60),
                () -> Files.writeString(fifo, "ready\n"));
        assertEquals(List.of("first", "ready"), seen);
    }

    @Test
    void aStreamThatEndsWithoutTheLineSaysWhatItPrinted() {
        Shell shell = new Shell(Map.of(), List.of());
        AssertionError e = assertThrows(AssertionError.class, () -> shell.awaitLine(
                List.of("sh", "-c", "echo one; echo two"), l -> l.equals("three"), Duration.ofSeconds(60), () -> { }));
        assertTrue(e.getMessage().contains("it printed:\none\ntwo"), e.getMessage());
    }

    @Test
    void aCommandPastItsDeadlineIsKilledAndReported() {
        Shell shell = new Shell(Map.of(), List.of());
        AssertionError e = assertThrows(AssertionError.class,
                () -> shell.run(Duration.ofMillis(300), List.of("sh", "-c", "echo started; exec cat /dev/zero > /dev/null")));
        assertTrue(e.getMessage().startsWith("no answer within"), e.getMessage());
        assertTrue(e.getMessage().contains("started"), e.getMessage());
    }
}

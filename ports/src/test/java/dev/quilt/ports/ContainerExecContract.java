package dev.quilt.ports;

import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.ProcessSpec;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.User;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every ContainerExec's sessions do ({@link ContainerExec#start}); run against the fake and the Linux adapter.
 * The commands are shell lines both understand: {@code exit N}, and {@code sleep N} that runs until it is killed.
 */
public abstract class ContainerExecContract {
    protected abstract ContainerExec exec();

    /** A running container's target. */
    protected abstract ContainerExec.Target target();

    /** Fds the command may have as its stdio; it writes nothing in these tests. */
    protected abstract Stdio stdio();

    private static ProcessSpec sh(String line, boolean tty) {
        return new ProcessSpec(List.of("sh", "-c", line), List.of("PATH=/bin:/usr/bin"), "/", User.ROOT, tty);
    }

    private static ContainerExec.Options options(boolean tty, Optional<Duration> timeout) {
        return new ContainerExec.Options(false, tty, tty ? 24 : 0, tty ? 80 : 0, timeout);
    }

    @Test
    void aSessionEndsWithItsCommandsExit() {
        try (ContainerExec.Session s = exec().start(target(), sh("exit 3", false), stdio(), options(false,
                Optional.empty()))) {
            assertTrue(s.pid() > 0, "pid " + s.pid());
            assertEquals(ExitStatus.exited(3), s.await());
            assertFalse(s.timedOut());
            assertEquals(ExitStatus.exited(3), s.await(), "await again says the same");
        }
    }

    @Test
    void theDeadlineKillsTheCommandAndSaysSo() {
        try (ContainerExec.Session s = exec().start(target(), sh("sleep 1000", false), stdio(), options(false,
                Optional.of(Duration.ofMillis(300))))) {
            assertEquals(ExitStatus.killedBy(9), s.await());
            assertTrue(s.timedOut());
        }
    }

    @Test
    void aSignalReachesTheCommand() {
        try (ContainerExec.Session s = exec().start(target(), sh("sleep 1000", false), stdio(), options(false,
                Optional.of(Duration.ofMinutes(5))))) {
            s.signal(15);
            assertEquals(ExitStatus.killedBy(15), s.await());
            assertFalse(s.timedOut());
            s.signal(15); // one that has ended is no error
        }
    }

    @Test
    void aResizeNeedsATerminal() {
        try (ContainerExec.Session s = exec().start(target(), sh("exit 0", false), stdio(), options(false,
                Optional.empty()))) {
            QuiltException e = assertThrows(QuiltException.class, () -> s.resize(10, 10));
            assertEquals(QuiltException.Kind.CONFLICT, e.kind());
            s.await();
        }
        try (ContainerExec.Session s = exec().start(target(), sh("exit 0", true), stdio(), options(true,
                Optional.empty()))) {
            s.resize(30, 100);
            assertEquals(ExitStatus.exited(0), s.await());
        }
    }

    @Test
    void aCommandThatCannotRunFailsTheStart() {
        ProcessSpec missing = new ProcessSpec(List.of("nosuch-binary"), List.of("PATH=/bin"), "/", User.ROOT, false);
        SpawnFailedException e = assertThrows(SpawnFailedException.class, () -> exec().start(target(), missing,
                stdio(), options(false, Optional.empty())));
        assertEquals(SpawnFailedException.Step.EXEC, e.step());
        assertEquals(127, e.exitCode());
    }
}

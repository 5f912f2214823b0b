package dev.quilt.cli.runc;

import dev.quilt.domain.QuiltException;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --preserve-fds} passes only fds the caller gave quilt-runc, never one of the JVM's own. */
class RuncExecCommandTest {
    @Test
    void preservedFdsMustAllBeTheCallers() {
        assertDoesNotThrow(() -> RuncExecCommand.requirePassed(0, Optional.empty()));
        assertDoesNotThrow(() -> RuncExecCommand.requirePassed(2, Optional.of("3 4 9")));
        assertEquals("--preserve-fds 2: fd 4 was not passed to quilt-runc; pass fds 3 to 4 or lower the count",
                assertThrows(QuiltException.class, () -> RuncExecCommand.requirePassed(2, Optional.of("3 5")))
                        .getMessage());
        assertTrue(assertThrows(QuiltException.class, () -> RuncExecCommand.requirePassed(1, Optional.empty()))
                .getMessage().startsWith("--preserve-fds needs the quilt-runc launcher"));
        assertThrows(QuiltException.class, () -> RuncExecCommand.requirePassed(1, Optional.of(" ")));
    }
}

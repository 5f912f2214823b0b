package dev.quilt.domain;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ExitStatusTest {
    @Test
    void signalsAreReportedTheShellsWay() {
        assertEquals(137, ExitStatus.killedBy(9).code());
        assertEquals(143, ExitStatus.killedBy(15).code());
        assertThrows(IllegalArgumentException.class, () -> new ExitStatus(1, 9));
    }

    @Property
    void waitStatusesDecode(@ForAll @IntRange(max = 255) int code, @ForAll @IntRange(min = 1, max = 64) int sig) {
        assertEquals(ExitStatus.exited(code), ExitStatus.fromWaitStatus(code << 8));
        assertEquals(ExitStatus.killedBy(sig), ExitStatus.fromWaitStatus(sig));
        assertEquals(ExitStatus.killedBy(sig), ExitStatus.fromWaitStatus(sig | 0x80)); // core dumped
    }
}

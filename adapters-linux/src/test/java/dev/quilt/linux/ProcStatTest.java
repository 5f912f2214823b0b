package dev.quilt.linux;

import org.junit.jupiter.api.Test;

import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcStatTest {
    @Test
    void theCommandMayHoldParenthesesAndSpaces() {
        String stat = "42 (a) b (c) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 100";
        assertEquals(OptionalLong.of(987654), ProcStat.parse(stat));
        assertTrue(ProcStat.parse("42 (x) S 1").isEmpty());
    }

    @Test
    void aProcessThatHasBegunToExitIsNotAlive() {
        String running = "42 (sh) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 100";
        String exiting = "42 (sh) S 1 42 42 0 -1 4194564 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 100";
        String zombie = "42 (sh) Z 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 100";
        assertFalse(ProcStat.parseStat(running).orElseThrow().exiting());
        assertTrue(ProcStat.parseStat(exiting).orElseThrow().exiting());
        assertTrue(ProcStat.parseStat(zombie).orElseThrow().exiting());
        long self = ProcessHandle.current().pid();
        assertTrue(ProcStat.alive(new dev.quilt.domain.ProcessRef((int) self, ProcStat.startTime((int) self).orElseThrow())));
    }

    @Test
    void ourOwnStartTimeReads() {
        assertTrue(ProcStat.startTime((int) ProcessHandle.current().pid()).orElseThrow() > 0);
        assertTrue(ProcStat.startTime(Integer.MAX_VALUE).isEmpty());
    }
}

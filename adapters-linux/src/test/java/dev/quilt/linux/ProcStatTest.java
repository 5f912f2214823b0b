package dev.quilt.linux;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;
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

    /** A line as proc(5) writes it: pid, (comm), state, then fields 4 to 52, one space apart, a newline last. */
    @Property
    void theFieldsAreFoundByTheirPlaceWhateverTheCommandHolds(
            @ForAll @StringLength(max = 15) @CharRange(from = ' ', to = '~') String comm,
            @ForAll @CharRange(from = 'A', to = 'Z') char state, @ForAll @LongRange(min = 0) long flags,
            @ForAll @LongRange(min = 0) long start) {
        StringBuilder line = new StringBuilder("4242 (").append(comm).append(") ").append(state);
        for (int field = 4; field <= 52; field++) {
            line.append(' ').append(field == 9 ? Long.toUnsignedString(flags) : field == 22 ? Long.toString(start)
                    : Integer.toString(field * 7));
        }
        line.append('\n');
        ProcStat.Stat got = ProcStat.parseStat(line.toString()).orElseThrow();
        assertEquals(new ProcStat.Stat(state, flags, start), got);
    }
}

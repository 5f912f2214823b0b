package dev.quilt.domain;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LogLimitTest {
    @Test
    void sizesAreWrittenAsForMemory() {
        assertEquals(LogLimit.DEFAULT, LogLimit.fromFlag(null));
        assertEquals(16L << 20, LogLimit.DEFAULT.maxBytes());
        assertEquals(64L << 10, LogLimit.fromFlag("64k").maxBytes());
        assertEquals(2L << 20, LogLimit.fromFlag("2").maxBytes(), "a bare number is MiB");
        assertFalse(LogLimit.fromFlag("-1").capped(), "-1 lifts the cap");
    }

    @Test
    void badSizesAreOneLineEach() {
        QuiltException small = assertThrows(QuiltException.class, () -> LogLimit.fromFlag("1k"));
        assertEquals("--log-max-size 1k is too small: give at least 64k, or -1 for no cap", small.getMessage());
        QuiltException junk = assertThrows(QuiltException.class, () -> LogLimit.fromFlag("lots"));
        assertEquals("--log-max-size 'lots' is not a size: write it as 512m or 1g (k, m, g, t; a bare number means MiB)",
                junk.getMessage());
        assertThrows(QuiltException.class, () -> LogLimit.fromFlag("-5"));
    }
}

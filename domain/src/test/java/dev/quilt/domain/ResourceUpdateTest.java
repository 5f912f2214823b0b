package dev.quilt.domain;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResourceUpdateTest {
    private static String refused(Optional<Long> memory, Optional<Long> swap, Optional<Long> shares, Optional<Long> quota,
                                  Optional<Long> period, Optional<Long> pids) {
        return assertThrows(QuiltException.class, () -> new ResourceUpdate(memory, swap, shares, quota, period, pids)).getMessage();
    }

    private static final Optional<Long> NO = Optional.empty();

    @Test
    void eachBadValueIsOneLine() {
        assertEquals("memory 1024 is too small: a container needs at least 6m (-1 for no limit)",
                refused(Optional.of(1024L), NO, NO, NO, NO, NO));
        assertEquals("memory-swap 10485760 is less than memory 20971520: it counts memory and swap together (-1 for unlimited swap)",
                refused(Optional.of(20L << 20), Optional.of(10L << 20), NO, NO, NO, NO));
        assertEquals("cpu-shares must be 2 to 262144, not 1", refused(NO, NO, Optional.of(1L), NO, NO, NO));
        assertEquals("cpu-quota 10 is below 1000 microseconds (-1 for no limit)", refused(NO, NO, NO, Optional.of(10L), NO, NO));
        assertEquals("cpu-period must be 1000 to 1000000 microseconds, not 5", refused(NO, NO, NO, NO, Optional.of(5L), NO));
        assertEquals("pids-limit must be at least 1, or -1 for no limit", refused(NO, NO, NO, NO, NO, Optional.of(0L)));
    }

    @Test
    void minusOneIsNoLimit() {
        ResourceUpdate u = new ResourceUpdate(Optional.of(-1L), Optional.of(-1L), NO, Optional.of(-1L), NO, Optional.of(-1L));
        assertEquals("max", ResourceUpdate.limit(u.pids().orElseThrow()));
        assertEquals("20", ResourceUpdate.limit(20));
        assertTrue(ResourceUpdate.NONE.isEmpty());
    }
}

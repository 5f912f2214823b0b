package dev.quilt.cli.runc;

import dev.quilt.domain.QuiltException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RuncUnitsTest {
    @Test
    void goDurations() {
        assertEquals(Duration.ofSeconds(5), RuncUnits.duration("--interval", "5s"));
        assertEquals(Duration.ofMillis(100), RuncUnits.duration("--interval", "100ms"));
        assertEquals(Duration.ofSeconds(90), RuncUnits.duration("--interval", "1m30s"));
        assertEquals(Duration.ofMinutes(90), RuncUnits.duration("--interval", "1.5h"));
        assertEquals(Duration.ZERO, RuncUnits.duration("--interval", "0"));
        for (String bad : List.of("5", "s", "5x", "", "5s garbage")) {
            assertEquals("--interval '" + bad + "' is not a duration: write it as Go does, e.g. 5s, 500ms or 1m30s",
                    assertThrows(QuiltException.class, () -> RuncUnits.duration("--interval", bad)).getMessage());
        }
    }

    @Test
    void ramInBytesAsDockersUnits() {
        assertEquals(1024, RuncUnits.ramInBytes("--memory", "1024"), "a bare number is bytes, as in runc");
        assertEquals(512L << 20, RuncUnits.ramInBytes("--memory", "512m"));
        assertEquals(1L << 30, RuncUnits.ramInBytes("--memory", "1G"));
        assertEquals(1L << 30, RuncUnits.ramInBytes("--memory", "1gb"));
        assertEquals(3L << 19, RuncUnits.ramInBytes("--memory", "1.5MiB"));
        assertEquals(-1, RuncUnits.ramInBytes("--memory-swap", "-1"));
        assertEquals("--memory '12q' is not a size: write bytes or e.g. 512m, 1g (-1 for no limit)",
                assertThrows(QuiltException.class, () -> RuncUnits.ramInBytes("--memory", "12q")).getMessage());
    }

    @Test
    void psTableKeepsTheHeaderAndTheContainersLines() {
        List<String> ps = List.of("UID          PID    PPID  C STIME TTY          TIME CMD",
                "root           1       0  0 06:00 ?        00:00:01 /sbin/init",
                "root         812       1  0 06:01 ?        00:00:00 sh -c sleep",
                "root         813     812  0 06:01 ?        00:00:00 sleep 100");
        assertEquals(List.of(ps.get(0), ps.get(2), ps.get(3)), RuncPs.table(ps, Set.of(812, 813, 999)));
        assertEquals("ps's header has no PID column; give options that print one (e.g. -ef or -eo pid,comm)",
                assertThrows(QuiltException.class, () -> RuncPs.table(List.of("CMD", "init"), Set.of(1))).getMessage());
    }

    @Test
    void updateRefusesTheResourcesTheModelDoesNotHoldByName() {
        RuncUpdate.refuseUnmodelled("{\"cpu\":{\"shares\":2,\"realtimeRuntime\":0},\"unified\":{}}".getBytes(), "-");
        assertEquals("r.json: Quilt cannot change cpu.realtimeRuntime, hugepageLimits, unified of a live container; leave them out",
                assertThrows(QuiltException.class, () -> RuncUpdate.refuseUnmodelled(("{\"cpu\":{\"realtimeRuntime\":950},"
                        + "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":1}],\"unified\":{\"memory.high\":\"1\"}}").getBytes(),
                        "r.json")).getMessage());
    }
}

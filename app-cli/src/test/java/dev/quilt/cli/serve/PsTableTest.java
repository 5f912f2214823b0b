package dev.quilt.cli.serve;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PsTableTest {
    private static final String PS_EF = """
            UID          PID    PPID  C STIME TTY          TIME CMD
            root           1       0  0 09:00 ?        00:00:01 /sbin/init
            root        4242    4240  0 09:01 ?        00:00:00 sleep 1000 --with args
            root        4243    4242  0 09:01 ?        00:00:00 sh
            """;

    @Test
    void keepsTheContainersRowsWithTheCommandWhole() {
        Map<String, Object> t = PsTable.parse(PS_EF, List.of(4242, 4243));
        assertEquals(List.of("UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"), t.get("Titles"));
        assertEquals(List.of(List.of("root", "4242", "4240", "0", "09:01", "?", "00:00:00", "sleep 1000 --with args"),
                List.of("root", "4243", "4242", "0", "09:01", "?", "00:00:00", "sh")), t.get("Processes"));
    }

    @Test
    void outputWithoutAPidColumnIsABadRequest() {
        ApiException e = assertThrows(ApiException.class, () -> PsTable.parse("USER CMD\nroot sh\n", List.of(1)));
        assertEquals(400, e.status());
        assertEquals(true, e.getMessage().contains("ps_args"), e.getMessage());
    }
}

package dev.quilt.domain;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PathStatTest {
    private static PathStat of(int mode) {
        return new PathStat("x", 0, mode, Instant.EPOCH, "");
    }

    @Test
    void modesAreGosFileModeBits() {
        assertEquals(0644L, of(0100644).fileMode()); // a regular file: permissions only
        assertEquals((1L << 31) | 0755, of(040755).fileMode()); // os.ModeDir
        assertEquals((1L << 27) | 0777, of(0120777).fileMode()); // os.ModeSymlink
        assertEquals((1L << 26) | (1L << 21) | 0666, of(020666).fileMode()); // char device
        assertEquals((1L << 26) | 0660, of(060660).fileMode()); // block device
        assertEquals((1L << 25) | 0600, of(010600).fileMode()); // named pipe
        assertEquals((1L << 24) | 0755, of(0140755).fileMode()); // socket
        assertEquals((1L << 31) | (1L << 20) | 0777, of(041777).fileMode()); // /tmp: sticky dir
        assertEquals((1L << 23) | (1L << 22) | 0755, of(0106755).fileMode()); // setuid, setgid
        assertTrue(of(040755).directory());
        assertFalse(of(0100644).directory());
    }

    @Test
    void mtimeIsRfc3339NanoInUtcAsGoWritesIt() {
        assertEquals("2023-11-14T22:13:20Z",
                new PathStat("x", 0, 0100644, Instant.ofEpochSecond(1_700_000_000L), "").mtimeRfc3339());
        assertEquals("2023-11-14T22:13:20.1234Z",
                new PathStat("x", 0, 0100644, Instant.ofEpochSecond(1_700_000_000L, 123_400_000), "").mtimeRfc3339());
        assertEquals("2023-11-14T22:13:20.000000001Z",
                new PathStat("x", 0, 0100644, Instant.ofEpochSecond(1_700_000_000L, 1), "").mtimeRfc3339());
    }

    @Test
    void theJsonHasDockersFieldsAndOrder() {
        PathStat s = new PathStat("hosts", 12, 0120777, Instant.ofEpochSecond(0), "/etc/hosts.real");
        assertEquals(java.util.List.of("name", "size", "mode", "mtime", "linkTarget"),
                new java.util.ArrayList<>(s.json().keySet()));
        assertEquals((1L << 27) | 0777, s.json().get("mode"));
        assertEquals("/etc/hosts.real", s.json().get("linkTarget"));
        assertEquals("1970-01-01T00:00:00Z", s.json().get("mtime"));
    }
}

package dev.quilt.linux.userns;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.UserNamespace;
import dev.quilt.domain.UserNamespace.IdMapping;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.LinuxPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Leases of subordinate ids in a state root of a temp dir: no root needed, the host's /etc/subuid never read. */
class LinuxSubordinateIdsTest {
    @TempDir
    Path dir;

    private LinuxPaths paths() {
        return LinuxPaths.under(dir);
    }

    private ContainerId container(String id) throws Exception {
        Files.createDirectories(paths().containerState(ContainerId.of(id)));
        return ContainerId.of(id);
    }

    private LinuxSubordinateIds ids(String subuid, String subgid) throws Exception {
        Files.createDirectories(paths().run());
        Path u = dir.resolve("subuid"), g = dir.resolve("subgid");
        Files.writeString(u, subuid);
        Files.writeString(g, subgid);
        return new LinuxSubordinateIds(paths(), u, g);
    }

    private static UserNamespace.Mapped mapped(long uid, long gid, long size) {
        return new UserNamespace.Mapped(List.of(new IdMapping(0, uid, size)), List.of(new IdMapping(0, gid, size)));
    }

    @Test
    void autoTakesTheLowestFreeRangeAndTheRecordsRemovalGivesItBack() throws Exception {
        LinuxSubordinateIds ids = ids("containers:100000:131072\n", "containers:500000:131072\n");
        ContainerId a = container("a"), b = container("b"), c = container("c");
        UserNamespace.Auto auto = new UserNamespace.Auto(65536);
        assertEquals(mapped(100000, 500000, 65536), ids.take(a, auto));
        assertEquals(mapped(165536, 565536, 65536), ids.take(b, auto));
        assertEquals(mapped(165536, 565536, 65536), ids.take(b, auto), "a second take of its own gives the same");
        QuiltException full = assertThrows(QuiltException.class, () -> ids.take(c, auto));
        assertEquals(QuiltException.Kind.CONFLICT, full.kind());
        assertTrue(full.getMessage().startsWith("no 65536 free subordinate ids for 'containers' in "), full.getMessage());
        AtomicFiles.deleteTree(paths().containerState(a)); // what removing its record does
        assertEquals(mapped(100000, 500000, 65536), ids.take(c, auto));
        assertTrue(Files.exists(paths().containerState(c).resolve(LinuxSubordinateIds.LEASE)));
    }

    @Test
    void hostAndExplicitMapsTakeNothing() throws Exception {
        LinuxSubordinateIds ids = ids("", "");
        ContainerId a = container("a");
        assertSame(UserNamespace.HOST, ids.take(a, UserNamespace.HOST));
        UserNamespace.Mapped m = mapped(7, 7, 1);
        assertSame(m, ids.take(a, m));
        assertTrue(Files.notExists(paths().containerState(a).resolve(LinuxSubordinateIds.LEASE)));
    }

    @Test
    void noEntryForContainersIsOneLineSayingWhatToAdd() throws Exception {
        LinuxSubordinateIds ids = ids("alice:100000:65536\n", "containers:100000:65536\n");
        QuiltException e = assertThrows(QuiltException.class, () -> ids.take(container("a"), new UserNamespace.Auto(10)));
        assertEquals("no subordinate ids for 'containers' in " + dir.resolve("subuid")
                + ": add a line 'containers:100000:65536'", e.getMessage());
        assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
    }

    @Test
    void aDamagedLeaseOfAnotherContainerTakesNoOneDown() throws Exception {
        LinuxSubordinateIds ids = ids("containers:100000:65536\n", "containers:100000:65536\n");
        Files.writeString(paths().containerState(container("broken")).resolve(LinuxSubordinateIds.LEASE), "{not json");
        assertEquals(mapped(100000, 100000, 100), ids.take(container("a"), new UserNamespace.Auto(100)));
    }
}

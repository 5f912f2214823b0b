package dev.quilt.cli.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetworkNamesTest {
    @TempDir
    Path dir;

    @Test
    void aNameIsKeptOnDiskFoundByNameOrIdPrefixAndForgotten() {
        NetworkNames names = new NetworkNames(dir.resolve("networks.json"));
        NetworkNames.Named made = names.create("proj_default", Map.of("com.docker.compose.project", "proj"));
        assertEquals(64, made.id().length());
        NetworkNames again = new NetworkNames(dir.resolve("networks.json"));
        assertEquals(List.of(made), again.list());
        assertEquals(made, again.find("proj_default").orElseThrow());
        assertEquals(made, again.find(made.id().substring(0, 12)).orElseThrow());
        assertTrue(again.resolves("proj_default"));
        assertFalse(again.resolves(made.id()), "a NetworkMode names a network by its name");
        assertTrue(again.remove(made));
        assertEquals(List.of(), names.list());
        assertFalse(names.remove(made));
    }

    @Test
    void aTakenOrPredefinedNameIsAConflictAndABadNameIsRefused() {
        NetworkNames names = new NetworkNames(dir.resolve("networks.json"));
        names.create("web", Map.of());
        ApiException taken = assertThrows(ApiException.class, () -> names.create("web", Map.of()));
        assertEquals(409, taken.status());
        assertEquals("network with name web already exists", taken.getMessage());
        for (String p : NetworkNames.PREDEFINED) {
            assertEquals(409, assertThrows(ApiException.class, () -> names.create(p, Map.of())).status());
        }
        for (String bad : List.of("", "-x", "a/b", "a b", "../x")) {
            ApiException e = assertThrows(ApiException.class, () -> names.create(bad, Map.of()));
            assertEquals(400, e.status());
            assertTrue(e.getMessage().contains("(Name)"), e.getMessage());
        }
        assertEquals(1, names.list().size());
    }

    @Test
    void anUnreadableFileIsOneLineNamingIt() throws Exception {
        Path file = dir.resolve("networks.json");
        Files.writeString(file, "{not json");
        ApiException e = ApiException.of(assertThrows(RuntimeException.class, () -> new NetworkNames(file).list()));
        assertEquals(500, e.status());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
}

package dev.quilt.linux.state;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ExitStatus;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.ports.StateStore;
import dev.quilt.ports.StateStoreContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FsStateStoreTest extends StateStoreContract {
    @TempDir
    Path root;

    private FsStateStore store;

    @Override
    protected StateStore store() {
        if (store == null) store = new FsStateStore(LinuxPaths.under(root));
        return store;
    }

    @Test
    void theMonitorsExitFileIsRead() throws Exception {
        store().create(sample("c1", Optional.empty()));
        Path dir = LinuxPaths.under(root).containerState(ContainerId.of("c1"));
        Files.writeString(dir.resolve("exit.json"), "{\"exitCode\":137,\"signal\":9,\"exitedAt\":\"2026-01-01T00:00:00.000000001Z\"}\n");
        assertEquals(Optional.of(ExitStatus.killedBy(9)), store().recordedExit(ContainerId.of("c1")).map(r -> r.status()));
    }

    @Test
    void noTemporaryFilesAreLeftBehind() throws Exception {
        store().create(sample("c1", Optional.empty()));
        store().save(sample("c1", Optional.empty()));
        try (var files = Files.list(LinuxPaths.under(root).containerState(ContainerId.of("c1")))) {
            assertEquals(java.util.List.of("state.json"), files.map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals("lock")).toList());
        }
    }

    @Test
    void stateJsonSpeaksOciWords() throws Exception {
        store().create(sample("c1", Optional.of("web")));
        String json = Files.readString(LinuxPaths.under(root).containerState(ContainerId.of("c1")).resolve("state.json"));
        assertTrue(json.contains("\"id\":\"c1\"") && json.contains("\"status\":\"creating\""), json);
    }
}

package dev.quilt.linux.checkpoint;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.checkpoint.CheckpointManifest;
import dev.quilt.domain.checkpoint.CheckpointName;
import dev.quilt.domain.checkpoint.CheckpointRef;
import dev.quilt.ports.CheckpointStore;
import dev.quilt.ports.CheckpointStoreContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store's contract on disk, and what only a disk has: the manifest dropped, the layout, a draft's name. */
class FsCheckpointStoreTest extends CheckpointStoreContract {
    @TempDir
    Path root;

    private CheckpointStore store;

    @Override
    protected CheckpointStore store() {
        if (store == null) store = new FsCheckpointStore(root.resolve("checkpoints"));
        return store;
    }

    private Path dir(CheckpointStore.Stored s) {
        return root.resolve("checkpoints").resolve(s.id().value()).resolve(s.name().value());
    }

    @Override
    protected void write(CheckpointStore.Draft draft, String path, byte[] content) {
        try {
            Files.createDirectories(draft.directory().resolve(path).getParent());
            Files.write(draft.directory().resolve(path), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected void damage(CheckpointStore.Stored s, String path, byte[] content) {
        try {
            if (content == null) Files.delete(dir(s).resolve(path));
            else Files.write(dir(s).resolve(path), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected void abandonDraft(ContainerId id, CheckpointName name) {
        try {
            // pid 999999999 is above pid_max: its maker is dead
            Files.createDirectories(root.resolve("checkpoints").resolve(id.value())
                    .resolve(".tmp-999999999-1-" + name.value()).resolve("criu"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aCheckpointWithoutItsManifestIsListedAsDamagedAndRefused() throws IOException {
        CheckpointName n = new CheckpointName("cp1");
        ContainerId id = ContainerId.of("a".repeat(64));
        var c = dev.quilt.ports.StateStoreContract.sample(id.value(), java.util.Optional.of("db"));
        try (CheckpointStore.Draft d = store().begin(id, n)) {
            write(d, "criu/core-1.img", image(64));
            d.saveRecord(c);
            d.commit(new CheckpointManifest(1, n, id, c.name(), java.time.Instant.EPOCH, "4.1.1", "6.18",
                    java.util.Optional.empty(), java.util.Optional.of(dev.quilt.domain.Digest.sha256("0".repeat(64))),
                    false, false, CheckpointManifest.Externals.NONE, java.util.List.of()));
        }
        Path dir = root.resolve("checkpoints").resolve(id.value()).resolve("cp1");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(java.util.List.of("container.json", "criu", "manifest.json"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        Files.delete(dir.resolve("manifest.json"));
        CheckpointStore.Stored s = store().find(CheckpointRef.parse("db/cp1")).orElseThrow();
        assertTrue(s.problem().orElseThrow().contains("no manifest.json"));
        QuiltException e = assertThrows(QuiltException.class, () -> store().verify(s, d -> true));
        assertEquals("checkpoint 'db/cp1' has no manifest.json (its dump did not finish, or the file was removed),"
                + " so it cannot be checked or restored; remove it with 'quilt checkpoint rm db/cp1'", e.getMessage());
        Files.writeString(dir.resolve("manifest.json"), "{\"formatVersion\": 1, \"name\"");
        QuiltException cut = assertThrows(QuiltException.class, () -> store().verify(
                store().find(CheckpointRef.parse("a/cp1")).orElseThrow(), d -> true));
        assertTrue(cut.getMessage().startsWith("checkpoint 'db/cp1' is damaged: manifest.json cannot be read"),
                cut.getMessage());
    }

    private CheckpointStore.Stored committed(String name, java.time.Instant at) {
        CheckpointName n = new CheckpointName(name);
        ContainerId id = ContainerId.of("b".repeat(64));
        var c = dev.quilt.ports.StateStoreContract.sample(id.value(), java.util.Optional.of("db"));
        try (CheckpointStore.Draft d = store().begin(id, n)) {
            write(d, "criu/core-1.img", image(64));
            d.saveRecord(c);
            return d.commit(new CheckpointManifest(1, n, id, c.name(), at, "4.1.1", "6.18", java.util.Optional.empty(),
                    java.util.Optional.of(dev.quilt.domain.Digest.sha256("0".repeat(64))), false, false,
                    CheckpointManifest.Externals.NONE, java.util.List.of()));
        }
    }

    /** A restore's lock file beside a checkpoint is not a file of it: the listing says nothing of it. */
    @Test
    void aHeldCheckpointListsAsWhole() {
        CheckpointStore.Stored s = committed("cp1", java.time.Instant.parse("2026-12-01T12:00:00Z"));
        try (CheckpointStore.Hold h = store().hold(s)) {
            assertEquals(java.util.Optional.empty(), store().find(CheckpointRef.parse("db/cp1")).orElseThrow()
                    .problem());
        }
        assertEquals(java.util.Optional.empty(), store().find(CheckpointRef.parse("db/cp1")).orElseThrow().problem());
    }

    /** A manifest that names a path outside the checkpoint is damage the listing says, and nothing there is read. */
    @Test
    void aManifestPathOutsideTheCheckpointIsListedAsDamaged() throws IOException {
        CheckpointStore.Stored s = committed("cp1", java.time.Instant.parse("2026-12-01T12:00:00Z"));
        Path manifest = dir(s).resolve("manifest.json");
        Files.writeString(manifest, Files.readString(manifest).replace("\"criu/core-1.img\"",
                "\"../../etc/passwd\""));
        CheckpointStore.Stored listed = store().find(CheckpointRef.parse("db/cp1")).orElseThrow();
        assertEquals(java.util.Optional.of("its manifest names ../../etc/passwd, outside the checkpoint"),
                listed.problem());
        QuiltException e = assertThrows(QuiltException.class, () -> store().verify(listed, d -> true));
        assertTrue(e.getMessage().contains("its manifest names ../../etc/passwd, outside the checkpoint"),
                e.getMessage());
    }

    /**
     * A checkpoint that lost its manifest keeps its place in time (its record's modification time, written at the
     * dump), so the newest is still the newest: the persist policy tries it and says its problem.
     */
    @Test
    void aCheckpointWithoutItsManifestKeepsItsTime() throws IOException {
        java.time.Instant now = java.time.Instant.now();
        committed("older", now.minusSeconds(3600));
        CheckpointStore.Stored newer = committed("newer", now);
        Files.delete(dir(newer).resolve("manifest.json"));
        CheckpointStore.Stored found = store().find(CheckpointRef.parse("db")).orElseThrow();
        assertEquals("newer", found.name().value(), "db alone is still the newest");
        assertTrue(found.created().isAfter(now.minusSeconds(3000)), found.created().toString());
    }
}

package dev.quilt.ports;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Digest;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.checkpoint.CheckpointCheck;
import dev.quilt.domain.checkpoint.CheckpointManifest;
import dev.quilt.domain.checkpoint.CheckpointName;
import dev.quilt.domain.checkpoint.CheckpointRef;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link CheckpointStore} must do: a draft is invisible until committed, a commit lists every file with
 * its size and sha256 and the record's digest, a name is taken once, a damaged checkpoint is refused by
 * {@link CheckpointStore#verify} with its own line, a crash's draft is swept, a checkpoint is found by the
 * container's ID, ID prefix or name.
 */
public abstract class CheckpointStoreContract {
    protected abstract CheckpointStore store();

    /** Writes a file into a draft, as CRIU and the layer copy do. */
    protected abstract void write(CheckpointStore.Draft draft, String path, byte[] content);

    /** Changes a committed file ({@code null}: removes it), as a bad disk or a person would. */
    protected abstract void damage(CheckpointStore.Stored s, String path, byte[] content);

    /** A draft as a crashed dump leaves it: begun by a process that is gone, never committed. */
    protected abstract void abandonDraft(ContainerId id, CheckpointName name);

    private static final Digest IMAGE = Digest.sha256("cd".repeat(32));
    private final Container container = StateStoreContract.sample("c" + "1".repeat(63), Optional.of("web"));

    protected static byte[] image(int size) {
        byte[] b = new byte[size];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(CheckpointCheck.IMG_COMMON_MAGIC);
        for (int i = 4; i < size; i++) b[i] = (byte) i;
        return b;
    }

    private static CheckpointManifest header(Container c, CheckpointName name) {
        return new CheckpointManifest(CheckpointManifest.FORMAT, name, c.id(), c.name(), Instant.parse(
                "2026-12-01T12:00:00Z"), "4.1.1", "6.18.0", Optional.empty(), Optional.of(IMAGE), false, false,
                new CheckpointManifest.Externals(Optional.of("quilt-net"),
                        List.of(new CheckpointManifest.PipeEnd(1, 77))), List.of());
    }

    private CheckpointStore.Stored commit(String name) {
        CheckpointName n = new CheckpointName(name);
        try (CheckpointStore.Draft d = store().begin(container.id(), n)) {
            write(d, "criu/core-1.img", image(300));
            write(d, "criu/pages-1.img", new byte[8192]);
            write(d, CheckpointManifest.LAYER, "layer".getBytes());
            d.saveRecord(container);
            return d.commit(header(container, n));
        }
    }

    @Test
    void aCommittedCheckpointListsEveryFileAndPassesItsCheck() {
        CheckpointStore.Stored s = commit("cp1");
        CheckpointManifest m = s.manifest().orElseThrow();
        assertEquals(List.of(CheckpointManifest.CONTAINER, "criu/core-1.img", "criu/pages-1.img",
                CheckpointManifest.LAYER), m.files().stream().map(CheckpointManifest.FileEntry::path).sorted().toList());
        assertEquals(m.files().stream().filter(f -> f.path().equals(CheckpointManifest.CONTAINER)).findFirst()
                .orElseThrow().sha256(), m.specDigest().orElseThrow());
        assertEquals(8192, m.files().stream().filter(f -> f.path().equals("criu/pages-1.img")).findFirst()
                .orElseThrow().size());
        CheckpointStore.Verified v = store().verify(s, d -> d.equals(IMAGE));
        assertEquals(container.id(), v.container().id());
        assertEquals(container.spec().process(), v.container().spec().process());
        assertEquals(List.of(new CheckpointManifest.PipeEnd(1, 77)), v.manifest().externals().stdioPipes());
        assertEquals("web/cp1", s.ref());
    }

    @Test
    void aDraftIsInvisibleAndGoesWhenClosedUncommitted() {
        try (CheckpointStore.Draft d = store().begin(container.id(), new CheckpointName("half"))) {
            write(d, "criu/core-1.img", image(10));
            assertEquals(List.of(), store().list());
        }
        assertEquals(List.of(), store().list());
        assertEquals(0, store().removeAbandonedDrafts());
    }

    @Test
    void aNameIsTakenOnce() {
        commit("cp1");
        QuiltException e = assertThrows(QuiltException.class, () -> store().begin(container.id(),
                new CheckpointName("cp1")));
        assertEquals(QuiltException.Kind.CONFLICT, e.kind());
        assertTrue(e.getMessage().contains("already has a checkpoint named 'cp1'"), e.getMessage());
    }

    @Test
    void foundByIdPrefixOrNameAndNewestFirst() {
        CheckpointStore.Stored one = commit("one");
        assertEquals(Optional.of(one.name()), store().find(CheckpointRef.parse("web/one")).map(s -> s.name()));
        assertEquals(Optional.of(one.name()), store().find(CheckpointRef.parse(container.id().value().substring(0, 8)
                + "/one")).map(s -> s.name()));
        assertTrue(store().find(CheckpointRef.parse("web/two")).isEmpty());
        assertTrue(store().find(CheckpointRef.parse("nosuch")).isEmpty());
        assertTrue(store().find(CheckpointRef.parse("web")).isPresent());
    }

    @Test
    void eachDamageIsRefusedWithItsOwnLine() {
        CheckpointStore.Stored s = commit("cp1");
        byte[] flipped = image(300);
        flipped[100] ^= 1;
        damage(s, "criu/core-1.img", flipped);
        assertRefused(s, "criu/core-1.img has changed since the dump");
        damage(s, "criu/core-1.img", java.util.Arrays.copyOf(image(300), 150));
        assertRefused(s, "criu/core-1.img is 150 bytes, the manifest says 300 (truncated?)");
        damage(s, "criu/core-1.img", null);
        assertRefused(s, "criu/core-1.img is missing");
        damage(s, "criu/core-1.img", image(300));
        damage(s, "criu/extra.img", image(8));
        assertRefused(s, "criu/extra.img is not in its manifest");
        damage(s, "criu/extra.img", null);
        store().verify(s, d -> true);
        QuiltException unknownImage = assertThrows(QuiltException.class, () -> store().verify(s, d -> false));
        assertTrue(unknownImage.getMessage().contains("not in the image store"), unknownImage.getMessage());
    }

    /** {@code checkpoint ls}: the listing says damage it sees in names and sizes, and does not hash. */
    @Test
    void theListingSaysDamageOfNamesAndSizesWithoutHashing() {
        CheckpointStore.Stored s = commit("cp1");
        assertEquals(java.util.Optional.empty(), store().list().get(0).problem());
        byte[] flipped = image(300);
        flipped[100] ^= 1;
        damage(s, "criu/core-1.img", flipped);
        assertEquals(java.util.Optional.empty(), store().list().get(0).problem(), "content is not hashed by a listing");
        damage(s, "criu/core-1.img", java.util.Arrays.copyOf(image(300), 150));
        assertEquals(java.util.Optional.of("criu/core-1.img is 150 bytes, the manifest says 300 (truncated?)"),
                store().list().get(0).problem());
        damage(s, "criu/core-1.img", image(300));
        damage(s, "criu/extra.img", image(8));
        assertEquals(java.util.Optional.of("criu/extra.img is not in its manifest (added after the dump?)"),
                store().list().get(0).problem());
        damage(s, "criu/extra.img", null);
        damage(s, "criu/pages-1.img", null);
        assertEquals(java.util.Optional.of("criu/pages-1.img is missing"), store().list().get(0).problem());
    }

    private void assertRefused(CheckpointStore.Stored s, String expected) {
        QuiltException e = assertThrows(QuiltException.class, () -> store().verify(s, d -> true));
        assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    @Test
    void removedAndSwept() {
        CheckpointStore.Stored s = commit("cp1");
        store().remove(s);
        assertEquals(List.of(), store().list());
        store().remove(s); // gone already: no-op
        abandonDraft(container.id(), new CheckpointName("crashed"));
        assertEquals(1, store().removeAbandonedDrafts());
        assertEquals(0, store().removeAbandonedDrafts());
    }

    /** A restore's hold (issue 16): rm is refused while any is held, at once; a removed checkpoint is not held. */
    @Test
    void aHeldCheckpointIsNotRemovedAndARemovedOneIsNotHeld() {
        CheckpointStore.Stored s = commit("cp1");
        CheckpointStore.Hold first = store().hold(s);
        CheckpointStore.Hold second = store().hold(s); // a fork's copies hold it together
        QuiltException busy = assertThrows(QuiltException.class, () -> store().remove(s));
        assertEquals(QuiltException.Kind.CONFLICT, busy.kind());
        assertEquals("checkpoint web/cp1 is being restored; try again when it is done", busy.getMessage());
        first.close();
        assertThrows(QuiltException.class, () -> store().remove(s));
        assertTrue(store().verify(s, d -> true) != null, "the hold's lock file is no file of the checkpoint");
        second.close();
        store().remove(s);
        assertEquals(List.of(), store().list());
        QuiltException gone = assertThrows(QuiltException.class, () -> store().hold(s));
        assertEquals(QuiltException.Kind.NOT_FOUND, gone.kind());
    }
}

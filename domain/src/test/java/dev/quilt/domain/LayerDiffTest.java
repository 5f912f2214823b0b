package dev.quilt.domain;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LayerDiffTest {
    private static final int DIR = 0040755;
    private static final int FILE = 0100644;

    private static LayerDiff.Entry entry(String path, int mode, long size, long mtime, LayerDiff.Meta image) {
        return new LayerDiff.Entry(path, false, new LayerDiff.Meta(mode, size, mtime), Optional.ofNullable(image));
    }

    private static LayerDiff.Change c(String path, LayerDiff.Kind kind) {
        return new LayerDiff.Change(path, kind);
    }

    @Test
    void addedChangedAndDeletedWithDockersRuleForParents() {
        LayerDiff.Meta etc = new LayerDiff.Meta(DIR, 4096, 1_000_000_000_123L);
        List<LayerDiff.Entry> walk = List.of(
                entry("/", DIR, 4096, 5, new LayerDiff.Meta(DIR, 4096, 7)),
                entry("/etc", DIR, 4096, 1_000_000_000_123L, etc), // copied up only: not a change
                entry("/etc/passwd", FILE, 900, 9, new LayerDiff.Meta(FILE, 800, 8)),
                new LayerDiff.Entry("/etc/shadow", true, new LayerDiff.Meta(0020000, 0, 9), Optional.empty()),
                entry("/new", DIR, 4096, 9, null),
                entry("/new/file", FILE, 3, 9, null),
                entry("/tmp", DIR, 4096, 9, new LayerDiff.Meta(DIR, 4096, 8)),
                entry("/tmp/x", FILE, 1, 9, null));
        assertEquals(List.of(
                c("/etc/passwd", LayerDiff.Kind.MODIFIED),
                c("/etc", LayerDiff.Kind.MODIFIED), // the parent of a deletion, once
                c("/etc/shadow", LayerDiff.Kind.DELETED),
                c("/new", LayerDiff.Kind.ADDED),
                c("/new/file", LayerDiff.Kind.ADDED), // its parent is listed already
                c("/tmp", LayerDiff.Kind.MODIFIED),
                c("/tmp/x", LayerDiff.Kind.ADDED)), LayerDiff.changes(walk));
        assertEquals(List.of(0, 1, 2), List.of(LayerDiff.Kind.MODIFIED.code(), LayerDiff.Kind.ADDED.code(),
                LayerDiff.Kind.DELETED.code()));
    }

    @Test
    void anOpaqueDirectoryIsADeletionAndItsNewChildrenAreAdded() {
        List<LayerDiff.Entry> walk = List.of(
                new LayerDiff.Entry("/opt", true, new LayerDiff.Meta(DIR, 4096, 9), Optional.of(new LayerDiff.Meta(DIR, 4096, 8))),
                entry("/opt/a", FILE, 1, 9, null));
        assertEquals(List.of(c("/opt", LayerDiff.Kind.DELETED), c("/opt/a", LayerDiff.Kind.ADDED)),
                LayerDiff.changes(walk));
    }

    @Test
    void timesWithoutNanosecondsMatchTheirSecond() {
        assertEquals(true, LayerDiff.sameTime(5_000_000_000L, 5_123_000_000L));
        assertEquals(false, LayerDiff.sameTime(5_100_000_000L, 5_123_000_000L));
        assertEquals(false, LayerDiff.sameTime(5_000_000_000L, 6_000_000_000L));
    }

    @Test
    void theRuntimesMountPointsAreNoChange() {
        List<LayerDiff.Entry> fresh = List.of(
                entry("/etc", DIR, 4096, 9, new LayerDiff.Meta(DIR, 4096, 8)),
                entry("/etc/hostname", FILE, 0, 9, null),
                entry("/etc/hosts", FILE, 0, 9, null),
                entry("/etc/resolv.conf", FILE, 0, 9, null));
        assertEquals(List.of(), LayerDiff.changes(fresh));
        List<LayerDiff.Entry> touched = new java.util.ArrayList<>(fresh);
        touched.add(entry("/etc/motd", FILE, 3, 9, null));
        assertEquals(List.of(c("/etc", LayerDiff.Kind.MODIFIED), c("/etc/motd", LayerDiff.Kind.ADDED)),
                LayerDiff.changes(touched));
    }
}

package dev.quilt.domain;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * docker diff's rules (Engine API 1.41 {@code GET /containers/{id}/changes}; moby's {@code pkg/archive} change walk
 * with the overlay rules) applied to a walk of a container's writable layer: what changed in its root filesystem
 * against its image.
 * <ul>
 * <li>An entry of the layer that is an overlay whiteout (a character device 0:0) or an opaque directory
 * ({@code overlay.opaque} = {@code y}) is a deletion of its path.</li>
 * <li>Any other entry is added when the image has nothing at its path, else modified; a directory that is a
 * directory in the image too, with the same size, mode and modification time (equal, or the same second where
 * one side has no nanoseconds), is not a change (overlay copied it up only to hold a changed child).</li>
 * <li>The parent of an added or deleted entry is modified, once, unless it is already listed or is {@code /}.</li>
 * <li>The files the runtime mounts over ({@link #RUNTIME_FILES}: Quilt binds the container's hostname, hosts and
 * resolv.conf there, writing each as a file of the layer) are not changes when the layer added them (as regular
 * files), nor is their directory when nothing else in it changed: dockerd keeps them in a layer of its own (the
 * "init" layer), so a container nobody touched has no changes with either.</li>
 * </ul>
 * The walk is in the order the layer is read (each directory before what it holds, names sorted); the changes come
 * in the same order.
 */
public final class LayerDiff {
    private LayerDiff() {
    }

    /** A change of {@code path} (absolute in the container), as docker reports it. */
    public record Change(String path, Kind kind) {}

    /** docker's {@code Kind}: 0 modified, 1 added, 2 deleted. */
    public enum Kind {
        MODIFIED, ADDED, DELETED;

        public int code() {
            return ordinal();
        }
    }

    /** What an lstat(2) tells: the whole {@code st_mode} (type and permissions), size, modification time in ns. */
    public record Meta(int mode, long size, long mtimeNanos) {
        static final int S_IFMT = 0170000;
        static final int S_IFDIR = 0040000;

        public boolean isDirectory() {
            return (mode & S_IFMT) == S_IFDIR;
        }
    }

    /**
     * One entry of the writable layer at {@code path}: {@code deletion} when it is a whiteout or an opaque
     * directory, its own lstat, and the image's at the same path (empty: the image has nothing there).
     */
    public record Entry(String path, boolean deletion, Meta layer, Optional<Meta> image) {}

    /** The mount points of the files Quilt binds into every container. */
    public static final Set<String> RUNTIME_FILES = Set.of("/etc/hostname", "/etc/hosts", "/etc/resolv.conf");

    public static List<Change> changes(List<Entry> walk) {
        List<Change> out = new ArrayList<>();
        Set<String> listedDirs = new HashSet<>();
        Set<String> runtimeDirs = new HashSet<>();
        for (Entry e : walk) {
            if (e.path().equals("/")) continue;
            if (RUNTIME_FILES.contains(e.path()) && !e.deletion() && e.image().isEmpty()
                    && (e.layer().mode() & Meta.S_IFMT) == 0100000) {
                runtimeDirs.add(parent(e.path()));
                continue;
            }
            Kind kind;
            if (e.deletion()) {
                kind = Kind.DELETED;
            } else if (e.image().isEmpty()) {
                kind = Kind.ADDED;
            } else {
                Meta was = e.image().get();
                if (was.isDirectory() && e.layer().isDirectory() && was.size() == e.layer().size()
                        && was.mode() == e.layer().mode() && sameTime(was.mtimeNanos(), e.layer().mtimeNanos())) {
                    continue;
                }
                kind = Kind.MODIFIED;
            }
            if (e.layer().isDirectory()) listedDirs.add(e.path());
            if (kind != Kind.MODIFIED) {
                String parent = parent(e.path());
                if (!parent.equals("/") && listedDirs.add(parent)) out.add(new Change(parent, Kind.MODIFIED));
            }
            out.add(new Change(e.path(), kind));
        }
        // a directory modified only as the runtime's mount points were made in it
        out.removeIf(c -> c.kind() == Kind.MODIFIED && runtimeDirs.contains(c.path())
                && walk.stream().noneMatch(x -> x.path().equals(c.path()) && x.image().isEmpty())
                && out.stream().noneMatch(o -> o.path().startsWith(c.path() + "/")));
        return out;
    }

    /** Equal, or the same second where one of them has no nanoseconds (a file system that keeps none). */
    static boolean sameTime(long a, long b) {
        if (a == b) return true;
        return Math.floorDiv(a, 1_000_000_000L) == Math.floorDiv(b, 1_000_000_000L)
                && (Math.floorMod(a, 1_000_000_000L) == 0 || Math.floorMod(b, 1_000_000_000L) == 0);
    }

    static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i <= 0 ? "/" : path.substring(0, i);
    }
}

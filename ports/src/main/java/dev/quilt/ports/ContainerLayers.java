package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.LayerDiff;
import dev.quilt.domain.RootFs;

import java.io.OutputStream;
import java.util.List;

/**
 * A container's root filesystem read from its layers, without mounting anything and without entering the
 * container: its writable layer (which the container's processes may change while it is read) over its image.
 * No path is resolved through a link or a directory the container could swap: each directory is opened relative to
 * the one holding it and no symlink is followed (docker cp's symlink-race class, CVE-2018-15664); nothing outside
 * the two layers is read and nothing is written. Failures are {@link dev.quilt.domain.QuiltException}s:
 * {@code NOT_FOUND} when the container has no layer (a bundle's rootfs used in place, or removed by hand).
 */
public interface ContainerLayers {
    /**
     * The writable layer's walk for {@link LayerDiff#changes}: every entry, each directory before what it holds,
     * names sorted, with the image's lstat at the same path.
     */
    List<LayerDiff.Entry> walk(ContainerId id, RootFs root);

    /**
     * Writes the merged view (what the container sees at {@code /}, its own mounts left out) as a tar to {@code tar},
     * streamed: entries named relative to the root ({@code etc/passwd}), owners as numbers, a file linked more than
     * once stored once and then as hard links.
     */
    void export(ContainerId id, RootFs root, OutputStream tar);
}

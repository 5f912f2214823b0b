package dev.quilt.domain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Layers of an image ({@code docker save}'s layer tars, an OCI layout's layer blobs) applied in order into one
 * rootfs, by name only: which entry of which layer is in the result. The rules are the OCI image spec's
 * ("Image Layer Filesystem Changeset", whiteouts): {@code DIR/.wh.NAME} removes {@code DIR/NAME} and all under it
 * from the layers below; {@code DIR/.wh..wh..opq} hides everything below under {@code DIR} (not {@code DIR}
 * itself); whiteout entries are not themselves in the result. An entry that is not a directory replacing a
 * directory takes the directory's contents with it (as a {@code rm -rf} then create, moby's applier). An entry of a
 * later layer replaces an earlier one of the same path. Entry names are {@link ArchivePath}s: {@code ..} and
 * absolute names are refused by it.
 */
public final class ImageLayers {
    public static final String WHITEOUT_PREFIX = ".wh.";
    public static final String OPAQUE = ".wh..wh..opq";

    /** One entry of one layer: its path and whether it is a directory. */
    public record Entry(ArchivePath path, boolean directory) {}

    /** An entry of the result: which layer (0 = the first applied) holds its content. */
    public record Kept(ArchivePath path, int layer) {}

    private static final Comparator<ArchivePath> PARENTS_FIRST = (a, b) -> {
        List<String> x = a.components(), y = b.components();
        for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
            int c = x.get(i).compareTo(y.get(i));
            if (c != 0) return c;
        }
        return Integer.compare(x.size(), y.size());
    };

    private final TreeMap<ArchivePath, Kept> kept = new TreeMap<>(PARENTS_FIRST);
    private final Map<ArchivePath, Boolean> directories = new TreeMap<>(PARENTS_FIRST);
    private int layers;

    /**
     * Applies the next layer's entries (in its tar's order); the whiteouts of a layer apply to the layers below
     * only, so a layer may remove a path and create it anew.
     */
    public void apply(List<Entry> entries) {
        int layer = layers++;
        for (Entry e : entries) {
            if (e.path().isRoot()) continue;
            String last = e.path().last();
            if (last.equals(OPAQUE)) {
                removeBelow(e.path().parent(), layer);
            } else if (last.startsWith(WHITEOUT_PREFIX)) {
                List<String> target = new ArrayList<>(e.path().parent().components());
                target.add(last.substring(WHITEOUT_PREFIX.length()));
                ArchivePath t = new ArchivePath(target);
                removeBelow(t, layer);
                Kept k = kept.get(t);
                if (k != null && k.layer() < layer) {
                    kept.remove(t);
                    directories.remove(t);
                }
            }
        }
        for (Entry e : entries) {
            if (e.path().isRoot() || e.path().last().startsWith(WHITEOUT_PREFIX)) continue;
            Boolean wasDir = directories.get(e.path());
            if (wasDir != null && wasDir && !e.directory()) removeBelow(e.path(), Integer.MAX_VALUE);
            kept.put(e.path(), new Kept(e.path(), layer));
            directories.put(e.path(), e.directory());
        }
    }

    /** The result, parents before their children (the order a tar of it must have). */
    public List<Kept> result() {
        return List.copyOf(kept.values());
    }

    /** Drops every entry strictly under {@code dir} that an earlier layer than {@code layer} made. */
    private void removeBelow(ArchivePath dir, int layer) {
        var it = kept.tailMap(dir, false).entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            if (!under(e.getKey(), dir)) break;
            if (e.getValue().layer() < layer) {
                it.remove();
                directories.remove(e.getKey());
            }
        }
    }

    private static boolean under(ArchivePath p, ArchivePath dir) {
        List<String> c = p.components(), d = dir.components();
        return c.size() > d.size() && c.subList(0, d.size()).equals(d);
    }
}

package dev.quilt.domain.checkpoint;

import dev.quilt.domain.Digest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Whether a checkpoint can be restored, from what lies on disk, before anything is made (issue 16, item 3: a
 * corrupt or truncated checkpoint is refused with one line saying what is wrong). Pure: the store reads the files,
 * this compares. Each problem is one lowercase line naming the checkpoint and the file, and saying what to do.
 */
public final class CheckpointCheck {
    /**
     * CRIU's image magics (criu/include/magic.h): every image but the raw ones begins with one of these, little
     * endian: {@code IMG_COMMON_MAGIC} 0x54564319 or {@code IMG_SERVICE_MAGIC} 0x55105940; {@code inventory.img}
     * begins with its own, {@code INVENTORY_MAGIC} 0x58313116.
     */
    public static final int INVENTORY_MAGIC = 0x58313116;
    public static final int IMG_COMMON_MAGIC = 0x54564319;
    public static final int IMG_SERVICE_MAGIC = 0x55105940;

    private CheckpointCheck() {}

    /**
     * One file found in the checkpoint's directory (the manifest aside).
     *
     * @param path    relative to the checkpoint's directory
     * @param size    bytes
     * @param sha256  of its content
     * @param head    its first four bytes as a little-endian int, or empty when it is shorter
     */
    public record Found(String path, long size, Digest sha256, Optional<Integer> head) {}

    /** Whether CRIU writes {@code path} with its magic: the {@code .img} files under {@link CheckpointManifest#IMAGES}
     * but the raw page and tar images ({@code pages-*.img}, {@code *.tar.gz.img}...). */
    public static boolean hasCriuMagic(String path) {
        String prefix = CheckpointManifest.IMAGES + "/";
        if (!path.startsWith(prefix) || !path.endsWith(".img")) return false;
        String file = path.substring(prefix.length());
        return !file.contains("/") && !file.startsWith("pages-") && !file.contains(".tar");
    }

    /**
     * Every problem, in the order a user should hear them (the first is the refusal's line); empty when the
     * checkpoint may be restored.
     *
     * @param ref         how the user named it, as the lines say it
     * @param manifest    the parsed manifest, or empty when there is none
     * @param found       every other file in the directory
     * @param imageKnown  whether the image store holds a digest
     */
    public static List<String> problems(String ref, Optional<CheckpointManifest> manifest, List<Found> found,
                                        Predicate<Digest> imageKnown) {
        String what = "checkpoint '" + ref + "'";
        String fix = "; remove it with 'quilt checkpoint rm " + ref + "'";
        if (manifest.isEmpty()) {
            return List.of(what + " has no " + CheckpointManifest.MANIFEST + " (its dump did not finish, or the file"
                    + " was removed), so it cannot be checked or restored" + fix);
        }
        CheckpointManifest m = manifest.get();
        List<String> out = new ArrayList<>();
        if (m.formatVersion() > CheckpointManifest.FORMAT) {
            out.add(what + " was written by a newer quilt (format " + m.formatVersion() + "; this one reads "
                    + CheckpointManifest.FORMAT + "); restore it with that quilt");
            return out;
        }
        if (m.specDigest().isEmpty()) {
            out.add(what + " has no spec digest in its manifest, so its container's spec cannot be trusted" + fix);
        }
        if (m.imageDigest().isEmpty()) {
            out.add(what + " has no image digest in its manifest, so the image to restore on is unknown" + fix);
        }
        Map<String, Found> byPath = new TreeMap<>();
        for (Found f : found) byPath.put(f.path(), f);
        for (CheckpointManifest.FileEntry e : m.files()) {
            Found f = byPath.remove(e.path());
            if (f == null) {
                out.add(what + " is damaged: " + e.path() + " is missing" + fix);
            } else if (f.size() != e.size()) {
                out.add(what + " is damaged: " + e.path() + " is " + f.size() + " bytes, the manifest says "
                        + e.size() + (f.size() < e.size() ? " (truncated?)" : "") + fix);
            } else if (!f.sha256().equals(e.sha256())) {
                out.add(what + " is damaged: " + e.path() + " has changed since the dump (its sha256 is not the"
                        + " manifest's)" + fix);
            } else if (hasCriuMagic(e.path()) && f.head().filter(h -> h == IMG_COMMON_MAGIC
                    || h == IMG_SERVICE_MAGIC || h == INVENTORY_MAGIC).isEmpty()) {
                out.add(what + " is damaged: " + e.path() + " is not a CRIU image (it does not begin with CRIU's"
                        + " magic)" + fix);
            }
        }
        for (String extra : byPath.keySet()) {
            out.add(what + " is damaged: " + extra + " is not in its manifest (added after the dump?)" + fix);
        }
        boolean listsRecord = m.files().stream().anyMatch(e -> e.path().equals(CheckpointManifest.CONTAINER));
        if (!listsRecord) {
            out.add(what + " is damaged: its manifest lists no " + CheckpointManifest.CONTAINER + fix);
        } else {
            m.specDigest().ifPresent(d -> m.files().stream()
                    .filter(e -> e.path().equals(CheckpointManifest.CONTAINER) && !e.sha256().equals(d))
                    .findFirst()
                    .ifPresent(e -> out.add(what + " is damaged: " + CheckpointManifest.CONTAINER
                            + " does not match the manifest's spec digest" + fix)));
        }
        if (out.isEmpty()) {
            m.imageDigest().filter(d -> !imageKnown.test(d)).ifPresent(d -> out.add(what + " needs image "
                    + d.shortForm() + ", which is not in the image store; import that image again, then restore"));
        }
        return out;
    }
}

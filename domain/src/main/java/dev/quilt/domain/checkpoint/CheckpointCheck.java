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

    /** One file's name and size, as a listing gives them without reading it. */
    public record Listed(String path, long size) {}

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
        Map<String, Found> hashed = new TreeMap<>();
        for (Found f : found) hashed.put(f.path(), f);
        return check(ref, manifest, found.stream().map(f -> new Listed(f.path(), f.size())).toList(),
                Optional.of(hashed), Optional.of(imageKnown)).stream().map(Problem::line).toList();
    }

    /**
     * What can be seen without reading the files ({@code quilt checkpoint ls}): the manifest there, readable and of a
     * known format, its digests present, every file it lists there with its size, no path outside the checkpoint, no
     * file it does not list. Neither sha256 nor CRIU's magic nor the image store is checked: {@link #problems} does
     * that ({@code restore}, {@code checkpoint inspect --verify}). Each problem is short ({@code criu/core-1.img is 150
     * bytes, the manifest says 300 (truncated?)}), for {@code damaged: …}.
     */
    public static List<String> listed(Optional<CheckpointManifest> manifest, List<Listed> files) {
        return check("", manifest, files, Optional.empty(), Optional.empty()).stream().map(Problem::brief).toList();
    }

    /** One problem: {@code brief} for a listing, {@code line} for a refusal. */
    private record Problem(String brief, String line) {}

    /** Whether a manifest's path stays inside the checkpoint's directory: relative, no {@code .}, {@code ..} or empty part. */
    static boolean inside(String path) {
        if (path.isEmpty() || path.startsWith("/") || path.indexOf('\0') >= 0) return false;
        for (String part : path.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) return false;
        }
        return true;
    }

    private static List<Problem> check(String ref, Optional<CheckpointManifest> manifest, List<Listed> files,
                                       Optional<Map<String, Found>> hashed, Optional<Predicate<Digest>> imageKnown) {
        String what = "checkpoint '" + ref + "'";
        String fix = "; remove it with 'quilt checkpoint rm " + ref + "'";
        if (manifest.isEmpty()) {
            return List.of(new Problem("no " + CheckpointManifest.MANIFEST, what + " has no "
                    + CheckpointManifest.MANIFEST + " (its dump did not finish, or the file was removed), so it cannot"
                    + " be checked or restored" + fix));
        }
        CheckpointManifest m = manifest.get();
        List<Problem> out = new ArrayList<>();
        if (m.formatVersion() > CheckpointManifest.FORMAT) {
            out.add(new Problem("written by a newer quilt (format " + m.formatVersion() + ")", what
                    + " was written by a newer quilt (format " + m.formatVersion() + "; this one reads "
                    + CheckpointManifest.FORMAT + "); restore it with that quilt"));
            return out;
        }
        for (CheckpointManifest.FileEntry e : m.files()) {
            if (!inside(e.path())) {
                String shown = e.path().replace('\n', '?');
                out.add(new Problem("its manifest names " + shown + ", outside the checkpoint", what + " is damaged:"
                        + " its manifest names " + shown + ", outside the checkpoint" + fix));
                return out;
            }
        }
        if (m.specDigest().isEmpty()) {
            out.add(new Problem("no spec digest in its manifest", what + " has no spec digest in its manifest, so its"
                    + " container's spec cannot be trusted" + fix));
        }
        if (m.imageDigest().isEmpty()) {
            out.add(new Problem("no image digest in its manifest", what + " has no image digest in its manifest, so"
                    + " the image to restore on is unknown" + fix));
        }
        Map<String, Listed> byPath = new TreeMap<>();
        for (Listed f : files) byPath.put(f.path(), f);
        for (CheckpointManifest.FileEntry e : m.files()) {
            Listed f = byPath.remove(e.path());
            Optional<Found> h = hashed.flatMap(x -> Optional.ofNullable(x.get(e.path())));
            String damaged = what + " is damaged: ";
            if (f == null) {
                out.add(new Problem(e.path() + " is missing", damaged + e.path() + " is missing" + fix));
            } else if (f.size() != e.size()) {
                String brief = e.path() + " is " + f.size() + " bytes, the manifest says " + e.size()
                        + (f.size() < e.size() ? " (truncated?)" : "");
                out.add(new Problem(brief, damaged + brief + fix));
            } else if (h.isPresent() && !h.get().sha256().equals(e.sha256())) {
                String brief = e.path() + " has changed since the dump (its sha256 is not the manifest's)";
                out.add(new Problem(brief, damaged + brief + fix));
            } else if (h.isPresent() && hasCriuMagic(e.path()) && h.get().head().filter(x -> x == IMG_COMMON_MAGIC
                    || x == IMG_SERVICE_MAGIC || x == INVENTORY_MAGIC).isEmpty()) {
                String brief = e.path() + " is not a CRIU image (it does not begin with CRIU's magic)";
                out.add(new Problem(brief, damaged + brief + fix));
            }
        }
        for (String extra : byPath.keySet()) {
            String brief = extra + " is not in its manifest (added after the dump?)";
            out.add(new Problem(brief, what + " is damaged: " + brief + fix));
        }
        boolean listsRecord = m.files().stream().anyMatch(e -> e.path().equals(CheckpointManifest.CONTAINER));
        if (!listsRecord) {
            String brief = "its manifest lists no " + CheckpointManifest.CONTAINER;
            out.add(new Problem(brief, what + " is damaged: " + brief + fix));
        } else {
            m.specDigest().ifPresent(d -> m.files().stream()
                    .filter(e -> e.path().equals(CheckpointManifest.CONTAINER) && !e.sha256().equals(d))
                    .findFirst()
                    .ifPresent(e -> out.add(new Problem(CheckpointManifest.CONTAINER + " does not match the manifest's"
                            + " spec digest", what + " is damaged: " + CheckpointManifest.CONTAINER
                            + " does not match the manifest's spec digest" + fix))));
        }
        if (out.isEmpty() && imageKnown.isPresent()) {
            m.imageDigest().filter(d -> !imageKnown.get().test(d)).ifPresent(d -> out.add(new Problem("image "
                    + d.shortForm() + " is not in the image store", what + " needs image " + d.shortForm()
                    + ", which is not in the image store; import that image again, then restore")));
        }
        return out;
    }
}

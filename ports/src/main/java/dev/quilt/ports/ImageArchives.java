package dev.quilt.ports;

import java.nio.file.Path;
import java.util.List;

/**
 * What a tarball given to {@code POST /images/load} ({@code docker load}) holds, as rootfs tars the
 * {@link ImageStore} can import: a plain rootfs tar is itself; a {@code docker save} tarball ({@code manifest.json}
 * and layer tars) or an OCI image layout ({@code oci-layout}, {@code index.json}, {@code blobs/sha256/}) gives one
 * rootfs per image it holds, its layers applied in order with their whiteouts
 * ({@link dev.quilt.domain.ImageLayers}).
 */
public interface ImageArchives {
    /** One image of the tarball: a rootfs tar (in the work directory, or the tarball itself) and its tags. */
    record Loadable(Path rootfsTar, List<String> repoTags) {
        public Loadable {
            repoTags = List.copyOf(repoTags);
        }
    }

    /**
     * Reads {@code tarball}, writing what it needs under {@code work} (an empty directory the caller removes).
     * A manifest naming a layer the tarball lacks, or an entry escaping with {@code ..}, is an invalid-input
     * error that says so.
     */
    List<Loadable> open(Path tarball, Path work);

    /**
     * {@code docker save}: writes a {@code docker save} tarball of the image (one layer: its rootfs; a config with
     * docker's default environment; {@code manifest.json} with {@code repoTags}) to {@code out}, building the
     * layer under {@code work} (an empty directory the caller removes) first, since a tar entry's size comes
     * before its bytes.
     */
    void save(dev.quilt.domain.Image image, List<String> repoTags, Path work, java.io.OutputStream out);
}

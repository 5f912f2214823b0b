package dev.quilt.ports;

import dev.quilt.domain.Digest;
import dev.quilt.domain.Image;
import dev.quilt.domain.ImageName;

import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * Images, content-addressed: each is unpacked once and shared read-only by
 * every container made from it.
 */
public interface ImageStore {
    /**
     * Unpacks a rootfs tar (plain or gzip) and files it under the digest of its
     * uncompressed bytes. Refuses entries that would land outside the image;
     * a refused archive leaves nothing behind. Importing the same content twice
     * adds the name and returns the existing image.
     */
    Image importTar(InputStream tar, Optional<ImageName> name, ImportProgress progress);

    /**
     * By name, full digest, or a unique prefix of the digest's hex. An image
     * whose metadata cannot be read is an error that says so and how to remove it.
     */
    Optional<Image> find(String ref);

    /**
     * The digest {@code ref} names, as {@link #find} looks it up, without reading
     * the image's metadata: how {@code image rm} reaches an image whose metadata broke.
     */
    Optional<Digest> resolve(String ref);

    /** Every image whose metadata can be read, oldest import first. */
    default List<Image> list() {
        return list(line -> {});
    }

    /**
     * Every image whose metadata can be read, oldest import first; for each one
     * that cannot, {@code unreadable} gets the one line {@link #find} would throw
     * (as {@code ps} lists the other containers beside a broken record).
     */
    List<Image> list(java.util.function.Consumer<String> unreadable);

    /** Removes half-made imports and removals of processes that died; returns how many. */
    int sweepAbandoned();

    /**
     * Takes the name off its image ({@code docker rmi NAME:TAG} of an image with other names: docker's
     * "Untagged"); the image stays. False if no image has that name.
     */
    boolean untag(ImageName name);

    /** Removes the image and its names; a no-op for an unknown digest. */
    void remove(Digest digest);

    /** Told how far an import has got, for progress bars. */
    @FunctionalInterface
    interface ImportProgress {
        ImportProgress NONE = bytes -> { };

        void bytesRead(long total);
    }
}

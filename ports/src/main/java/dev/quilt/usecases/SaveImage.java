package dev.quilt.usecases;

import dev.quilt.domain.DockerImageRefs;
import dev.quilt.domain.Image;
import dev.quilt.domain.ImageName;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.ImageArchives;
import dev.quilt.ports.ImageStore;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code GET /images/{name}/get} ({@code docker save}): the image as a {@code docker save} tarball that
 * {@link LoadImage} (and {@code docker load}) reads back, tagged with its names as docker tags.
 */
public final class SaveImage {
    private final ImageStore images;
    private final ImageArchives archives;

    public SaveImage(ImageStore images, ImageArchives archives) {
        this.images = images;
        this.archives = archives;
    }

    /** The image {@code ref} names (a Quilt name, digest or ID), or not found. */
    public Image find(String ref) {
        return images.find(ref).orElseThrow(() -> QuiltException.notFound("image '" + ref + "' not found"));
    }

    /** Writes {@code image} to {@code out}, using {@code work}, a directory it creates and removes. */
    public void save(Image image, Path work, OutputStream out) {
        List<String> tags = new ArrayList<>();
        for (ImageName n : image.names()) tags.add(DockerImageRefs.repoTag(n));
        try {
            archives.save(image, tags, work, out);
        } finally {
            deleteTree(work);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.quilt.usecases;

import dev.quilt.domain.DockerImageRefs;
import dev.quilt.domain.Image;
import dev.quilt.domain.ImageName;
import dev.quilt.ports.ImageArchives;
import dev.quilt.ports.ImageStore;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code POST /images/load} ({@code docker load}): a rootfs tar, a {@code docker save} tarball or an OCI image
 * layout, streamed to a file under {@code work} first (never the heap), then imported through the
 * {@link ImageStore} as {@code quilt image import} does, once per tag ({@link DockerImageRefs#nameOf}).
 */
public final class LoadImage {
    /** One image loaded, with the docker tags it was loaded as (none for an untagged one). */
    public record Loaded(Image image, List<String> repoTags) {}

    private final ImageStore images;
    private final ImageArchives archives;

    public LoadImage(ImageStore images, ImageArchives archives) {
        this.images = images;
        this.archives = archives;
    }

    /** Loads {@code tarball} using {@code work}, a directory it creates and removes. */
    public List<Loaded> load(InputStream tarball, Path work) {
        try {
            Files.createDirectories(work);
            Path file = work.resolve("load.tar");
            Files.copy(tarball, file);
            List<Loaded> out = new ArrayList<>();
            for (ImageArchives.Loadable l : archives.open(file, work)) {
                List<ImageName> names = new ArrayList<>();
                for (String tag : l.repoTags()) names.add(DockerImageRefs.nameOf(tag));
                Image image = null;
                if (names.isEmpty()) {
                    image = importOne(l.rootfsTar(), Optional.empty());
                } else {
                    for (ImageName n : names) image = importOne(l.rootfsTar(), Optional.of(n));
                }
                out.add(new Loaded(image, l.repoTags()));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteTree(work);
        }
    }

    private Image importOne(Path tar, Optional<ImageName> name) throws IOException {
        try (InputStream in = Files.newInputStream(tar)) {
            return images.importTar(in, name, ImageStore.ImportProgress.NONE);
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

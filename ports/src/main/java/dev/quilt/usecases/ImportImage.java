package dev.quilt.usecases;

import dev.quilt.domain.Image;
import dev.quilt.domain.ImageName;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.ImageStore;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** {@code quilt image import FILE [--name NAME]}. */
public final class ImportImage {
    private final ImageStore images;

    public ImportImage(ImageStore images) {
        this.images = images;
    }

    public Image importFile(Path file, Optional<ImageName> name, ImageStore.ImportProgress progress) {
        if (Files.isDirectory(file)) {
            throw QuiltException.invalid("'" + file + "' is a directory; import a .tar or .tar.gz file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return images.importTar(in, name, progress);
        } catch (NoSuchFileException e) {
            throw QuiltException.notFound("no file '" + file + "'");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

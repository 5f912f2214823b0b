package dev.quilt.usecases;

import dev.quilt.domain.Image;
import dev.quilt.domain.ImageName;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.DefaultImageSource;
import dev.quilt.ports.ImageStore;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;

/** Finds the image a container names, making the default image on first use. */
public final class ImageResolver {
    private final ImageStore images;
    private final DefaultImageSource defaultImage;

    public ImageResolver(ImageStore images, DefaultImageSource defaultImage) {
        this.images = images;
        this.defaultImage = defaultImage;
    }

    public Image resolve(Optional<String> ref) {
        if (ref.isPresent()) {
            return images.find(ref.get()).orElseThrow(() -> QuiltException.notFound(
                    "image '" + ref.get() + "' not found; import it with 'quilt image import FILE --name "
                            + ref.get() + "'"));
        }
        return images.find(ImageName.DEFAULT.value()).orElseGet(this::makeDefault);
    }

    private Image makeDefault() {
        try (InputStream tar = defaultImage.openTar()) {
            return images.importTar(tar, Optional.of(ImageName.DEFAULT), ImageStore.ImportProgress.NONE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

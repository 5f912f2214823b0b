package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.Image;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.ImageStore;
import dev.quilt.ports.StateStore;

/** {@code quilt image rm REF}: refused while a container still uses the image. */
public final class RemoveImage {
    private final ImageStore images;
    private final StateStore state;

    public RemoveImage(ImageStore images, StateStore state) {
        this.images = images;
        this.state = state;
    }

    public Image remove(String ref) {
        Image image = images.find(ref).orElseThrow(() -> QuiltException.notFound(
                "image '" + ref + "' not found; 'quilt image ls' lists them"));
        for (Container c : state.list()) {
            if (c.spec().image().equals(image.digest())) {
                throw QuiltException.conflict("image '" + ref + "' is used by container '" + c.displayName()
                        + "'; remove the container first");
            }
        }
        images.remove(image.digest());
        return image;
    }
}

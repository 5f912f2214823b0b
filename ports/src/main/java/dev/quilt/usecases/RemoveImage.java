package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerRecord;
import dev.quilt.domain.Digest;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.RootFs;
import dev.quilt.ports.ImageStore;
import dev.quilt.ports.StateStore;

/**
 * {@code quilt image rm REF}: refused while a container still uses the image,
 * or may: a container whose record is broken could be using any.
 */
public final class RemoveImage {
    private final ImageStore images;
    private final StateStore state;

    public RemoveImage(ImageStore images, StateStore state) {
        this.images = images;
        this.state = state;
    }

    /** Returns the digest of the image removed; its metadata need not be readable. */
    public Digest remove(String ref) {
        Digest digest = images.resolve(ref).orElseThrow(() -> QuiltException.notFound(
                "image '" + ref + "' not found; 'quilt image ls' lists them"));
        for (ContainerRecord r : state.list()) {
            if (r instanceof ContainerRecord.Broken b) {
                throw QuiltException.conflict("container '" + b.id().shortForm() + "' has a broken record, so quilt"
                        + " cannot tell whether it uses image '" + ref + "'; remove it first with 'quilt rm -f "
                        + b.id().shortForm() + "'");
            }
            Container c = ((ContainerRecord.Readable) r).container();
            if (c.spec().root().equals(new RootFs.Image(digest))) {
                throw QuiltException.conflict("image '" + ref + "' is used by container '" + c.displayName()
                        + "'; remove the container first");
            }
        }
        images.remove(digest);
        return digest;
    }
}

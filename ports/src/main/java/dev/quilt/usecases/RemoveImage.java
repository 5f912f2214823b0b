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

    /** What {@link #removeAsDocker} did: the names taken off, and the image deleted if it was. */
    public record Removal(java.util.List<dev.quilt.domain.ImageName> untagged, java.util.Optional<Digest> deleted) {}

    /**
     * {@code DELETE /images/{name}} (docker rmi): a name of an image that has others only loses that name (the
     * image stays, whoever uses it); the last name, or a digest or ID, removes the image as {@link #remove} does.
     * A digest or ID of an image with several names is a conflict unless {@code force} (docker's rule: "image is
     * referenced in multiple repositories").
     */
    public Removal removeAsDocker(String ref, boolean force) {
        Digest digest = images.resolve(ref).orElseThrow(() -> QuiltException.notFound(
                "image '" + ref + "' not found; 'quilt image ls' lists them"));
        java.util.List<dev.quilt.domain.ImageName> names = images.find(digest.value())
                .map(dev.quilt.domain.Image::names).orElse(java.util.List.of());
        java.util.Optional<dev.quilt.domain.ImageName> byName = names.stream()
                .filter(n -> n.value().equals(ref)).findFirst();
        if (byName.isPresent() && names.size() > 1) {
            images.untag(byName.get());
            return new Removal(java.util.List.of(byName.get()), java.util.Optional.empty());
        }
        if (byName.isEmpty() && names.size() > 1 && !force) {
            throw QuiltException.conflict("unable to delete " + digest.shortForm() + " (must be forced): image is"
                    + " referenced by " + names.size() + " names; remove them one by one or force");
        }
        return new Removal(names, java.util.Optional.of(remove(digest.value())));
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

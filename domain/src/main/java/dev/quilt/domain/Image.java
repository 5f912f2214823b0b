package dev.quilt.domain;

import java.time.Instant;
import java.util.List;

/** An image in the store: its content address, its names and its unpacked size. */
public record Image(Digest digest, List<ImageName> names, long sizeBytes, Instant importedAt) {
    public Image {
        names = List.copyOf(names);
    }
}

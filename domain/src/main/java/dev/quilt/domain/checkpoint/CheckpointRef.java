package dev.quilt.domain.checkpoint;

import dev.quilt.domain.QuiltException;

import java.util.Optional;

/**
 * How a user names a checkpoint: {@code CONTAINER/NAME}, or {@code CONTAINER} alone for that container's newest.
 * {@code CONTAINER} is a container's ID, unique ID prefix or name as it was at the dump (the container itself may
 * be gone: checkpoints outlive it).
 */
public record CheckpointRef(String container, Optional<CheckpointName> name) {
    public CheckpointRef {
        if (container == null || container.isEmpty()) {
            throw QuiltException.invalid("checkpoint reference has no container: give CONTAINER or CONTAINER/NAME");
        }
        if (container.contains("/")) {
            throw QuiltException.invalid("invalid checkpoint reference '" + container
                    + "': give CONTAINER or CONTAINER/NAME");
        }
    }

    /** {@code web} or {@code web/before-upgrade}. */
    public static CheckpointRef parse(String ref) {
        if (ref == null || ref.isEmpty()) {
            throw QuiltException.invalid("checkpoint reference is empty: give CONTAINER or CONTAINER/NAME");
        }
        int slash = ref.indexOf('/');
        if (slash < 0) return new CheckpointRef(ref, Optional.empty());
        if (slash == 0 || slash == ref.length() - 1 || ref.indexOf('/', slash + 1) >= 0) {
            throw QuiltException.invalid("invalid checkpoint reference '" + ref + "': give CONTAINER or CONTAINER/NAME");
        }
        return new CheckpointRef(ref.substring(0, slash), Optional.of(new CheckpointName(ref.substring(slash + 1))));
    }

    @Override
    public String toString() {
        return name.map(n -> container + "/" + n).orElse(container);
    }
}

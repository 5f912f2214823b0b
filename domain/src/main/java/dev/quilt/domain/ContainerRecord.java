package dev.quilt.domain;

/**
 * What one container directory holds: a record Quilt can read, or one it
 * cannot (truncated, empty, not JSON, the wrong shape, missing) and why. A
 * broken record is a value, so one bad file never stops a listing, {@code gc}
 * or a command on another container; a command on the broken container itself
 * fails with {@link Broken#error()}, and {@code rm -f} or {@code gc} removes it.
 */
public sealed interface ContainerRecord permits ContainerRecord.Readable, ContainerRecord.Broken {
    ContainerId id();

    /** A record that parsed: the container as Quilt last wrote it (or as it is now, once observed). */
    record Readable(Container container) implements ContainerRecord {
        @Override
        public ContainerId id() {
            return container.id();
        }
    }

    /**
     * A container directory whose files cannot be read. {@code reason} names the
     * file and what is wrong with it, in one lowercase line:
     * {@code state.json: ends early at byte 100 (truncated?)}.
     */
    record Broken(ContainerId id, String reason) implements ContainerRecord {
        public Broken {
            if (reason.isBlank() || reason.contains("\n")) throw new IllegalArgumentException("one line: " + reason);
        }

        /** What a command on it says: {@code container 'ab12' has a broken record (...); remove it with ...}. */
        public BrokenRecordException error() {
            return new BrokenRecordException(this);
        }
    }
}

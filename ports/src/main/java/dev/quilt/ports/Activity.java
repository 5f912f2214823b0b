package dev.quilt.ports;

import dev.quilt.domain.ContainerId;

import java.time.Instant;
import java.util.Optional;

/**
 * When something last used a container (an exec, an attach, an archive, a request about it): the clock its
 * {@code quilt.idle-timeout} label counts from ({@link dev.quilt.domain.Expiry}). Recorded beside the container's
 * record, so a CLI's {@code quilt exec} counts as much as the server's own requests, and a restarted server keeps
 * the deadline. A mark on a container that is gone is dropped.
 */
public interface Activity {
    /** Records {@code at} as the container's last activity (a later mark wins; an earlier one is kept out). */
    void mark(ContainerId id, Instant at);

    /** The last activity recorded; empty when none was, or the container is gone. */
    Optional<Instant> last(ContainerId id);
}

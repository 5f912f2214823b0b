package dev.quilt.ports;

import java.time.Instant;

/** Wall-clock time for records; never used to wait. */
@FunctionalInterface
public interface Clock {
    Instant now();
}

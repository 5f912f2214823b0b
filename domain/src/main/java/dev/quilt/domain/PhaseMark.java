package dev.quilt.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * When one phase came to hold and how long it took: from the event before it
 * (for {@code spawned}, from the command's start), so the phases add up to the
 * whole; except {@code network}, whose time is the netlink batches' own, spent
 * while the init builds its root. A skipped phase holds at once.
 */
public record PhaseMark(Phase phase, Instant at, Duration took, boolean skipped) {
    public PhaseMark {
        Objects.requireNonNull(phase);
        Objects.requireNonNull(at);
        if (took.isNegative()) took = Duration.ZERO; // two clocks' worth of rounding, never a real negative
    }

    public static PhaseMark held(Phase phase, Instant at, Duration took) {
        return new PhaseMark(phase, at, took, false);
    }

    public static PhaseMark skipped(Phase phase, Instant at) {
        return new PhaseMark(phase, at, Duration.ZERO, true);
    }
}

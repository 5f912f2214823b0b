package dev.quilt.domain;

import java.time.Instant;
import java.util.Objects;

/**
 * One run of a health check: how it ended, what it said (stdout and stderr,
 * cut at {@link #MAX_OUTPUT} bytes), and when. A check killed at its timeout is
 * unhealthy whatever it would have said.
 */
public record HealthResult(ExitStatus exit, boolean timedOut, String output, Instant start, Instant end) {
    public static final int MAX_OUTPUT = 4096;

    public HealthResult {
        Objects.requireNonNull(exit);
        Objects.requireNonNull(output);
    }

    public boolean healthy() {
        return !timedOut && exit.code() == 0;
    }

    /** "exit 1", "killed by signal 9", "timed out": the word for how it ended. */
    public String how() {
        if (timedOut) return "timed out";
        return exit.signal() > 0 ? "killed by signal " + exit.signal() : "exit " + exit.code();
    }
}

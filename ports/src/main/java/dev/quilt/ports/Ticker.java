package dev.quilt.ports;

import java.time.Duration;
import java.time.Instant;

/**
 * A schedule: ticks at a fixed rate, for work that is periodic by nature
 * (a health check's next run). It is how Quilt repeats something; nothing in
 * Quilt waits for a condition by sleeping and looking again.
 */
public interface Ticker {
    /** A schedule that ticks every {@code period}, the first tick one period from now. */
    Ticks every(Duration period);

    interface Ticks extends AutoCloseable {
        /**
         * Blocks for the next tick; false if {@code deadline} comes first. Ticks
         * missed while the caller was busy count as one.
         */
        boolean await(Instant deadline);

        @Override
        void close();
    }
}

package dev.quilt.fake;

import dev.quilt.ports.Clock;
import dev.quilt.ports.Ticker;

import java.time.Duration;
import java.time.Instant;

/** Ticks at once, on the fake clock: the next tick is always due, until the deadline has passed. */
public final class FakeTicker implements Ticker {
    private final Clock clock;

    public FakeTicker(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Ticks every(Duration period) {
        return new Ticks() {
            @Override
            public boolean await(Instant deadline) {
                return clock.now().isBefore(deadline);
            }

            @Override
            public void close() {
            }
        };
    }
}

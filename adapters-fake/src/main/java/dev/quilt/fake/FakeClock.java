package dev.quilt.fake;

import dev.quilt.ports.Clock;

import java.time.Instant;

/** Advances one millisecond per reading, so records are ordered. */
public final class FakeClock implements Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public synchronized Instant now() {
        now = now.plusMillis(1);
        return now;
    }
}

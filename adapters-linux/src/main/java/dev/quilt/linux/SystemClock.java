package dev.quilt.linux;

import dev.quilt.ports.Clock;

import java.time.Instant;

public final class SystemClock implements Clock {
    @Override
    public Instant now() {
        return Instant.now();
    }
}

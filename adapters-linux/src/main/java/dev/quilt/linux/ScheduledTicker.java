package dev.quilt.linux;

import dev.quilt.ports.Ticker;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Ticks from a scheduled executor's fixed-rate timer: each tick releases a
 * permit that {@link Ticks#await} takes, bounded by the caller's deadline.
 * The timer is the schedule; nobody sleeps and looks again.
 */
public final class ScheduledTicker implements Ticker {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "quilt-ticker");
        t.setDaemon(true);
        return t;
    });

    @Override
    public Ticks every(Duration period) {
        Semaphore tick = new Semaphore(0);
        long nanos = period.toNanos();
        ScheduledFuture<?> task = timer.scheduleAtFixedRate(() -> {
            if (tick.availablePermits() == 0) tick.release(); // missed ticks count as one
        }, nanos, nanos, TimeUnit.NANOSECONDS);
        return new Ticks() {
            @Override
            public boolean await(Instant deadline) {
                long left = Duration.between(Instant.now(), deadline).toNanos();
                if (left <= 0) return false;
                try {
                    return tick.tryAcquire(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }

            @Override
            public void close() {
                task.cancel(false);
            }
        };
    }
}

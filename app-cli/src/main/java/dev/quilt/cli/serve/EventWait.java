package dev.quilt.cli.serve;

import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;

/**
 * A wait for one object's event on the {@link EventBus} ({@code destroy} of a container for {@code wait
 * condition=removed}, {@code start} for {@code next-exit} of a stopped one), subscribed when made, before the
 * caller looks at the state the event would announce: an event between the look and the wait is not missed.
 */
final class EventWait implements AutoCloseable {
    private final CountDownLatch came = new CountDownLatch(1);
    private final AutoCloseable subscription;
    private volatile boolean cancelled;

    /** Subscribes for {@code type}/{@code action} events of {@code id}; none of the kept past ones count. */
    EventWait(EventBus bus, String type, String id, String action) {
        subscription = bus.subscribe(Long.MAX_VALUE, e -> {
            if (e.type().equals(type) && e.id().equals(id) && e.action().equals(action)) came.countDown();
        });
    }

    /**
     * Returns true at once when {@code holds} says the announced state is already there, else once the event
     * comes; false when {@link #cancel} came first (the client hung up).
     */
    boolean await(BooleanSupplier holds) throws InterruptedException {
        if (holds.getAsBoolean()) return true;
        came.await();
        return !cancelled;
    }

    /** Whether the event has come (no wait). */
    boolean came() {
        return came.getCount() == 0 && !cancelled;
    }

    /** Lets a waiting {@link #await} go, answering false. */
    void cancel() {
        cancelled = true;
        came.countDown();
    }

    @Override
    public void close() {
        try {
            subscription.close();
        } catch (Exception e) {
            // unsubscribing is a list removal: nothing can fail
        }
    }
}

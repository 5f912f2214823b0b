package dev.quilt.cli.serve;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The server's events: every part publishes what it did or saw; {@code GET /events} subscribers get each one as
 * it happens, and the last {@link #KEPT} are kept for a subscriber's {@code since}. A subscriber must not block
 * (it hands the event to its own stream's queue).
 */
@javax.inject.Singleton
public final class EventBus {
    public static final int KEPT = 1024;

    private final CopyOnWriteArrayList<Consumer<ApiEvent>> subscribers = new CopyOnWriteArrayList<>();
    private final ArrayDeque<ApiEvent> recent = new ArrayDeque<>();

    @javax.inject.Inject
    public EventBus() {}

    public void publish(ApiEvent e) {
        synchronized (recent) {
            recent.addLast(e);
            if (recent.size() > KEPT) recent.removeFirst();
            for (Consumer<ApiEvent> s : subscribers) s.accept(e);
        }
    }

    /**
     * Subscribes {@code sink}; the kept events at or after {@code sinceNano} are given to it first, in order, then
     * each new one. Closing the result unsubscribes.
     */
    public AutoCloseable subscribe(long sinceNano, Consumer<ApiEvent> sink) {
        List<ApiEvent> replay = new ArrayList<>();
        synchronized (recent) {
            for (ApiEvent e : recent) if (e.timeNano() >= sinceNano) replay.add(e);
            replay.forEach(sink);
            subscribers.add(sink);
        }
        return () -> subscribers.remove(sink);
    }
}

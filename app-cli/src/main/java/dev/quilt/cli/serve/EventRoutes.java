package dev.quilt.cli.serve;

import javax.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /events} (Engine API 1.41, "Monitor events"): newline-delimited JSON objects ({@link ApiEvent#json()}),
 * each written as it is published on the {@link EventBus}, filtered by {@link EventFilter}. {@code since}: the kept
 * events from then are sent first (the bus keeps the last {@link EventBus#KEPT}); {@code until}: the stream ends
 * then (a deadline on the wait for the next event, not a look on a timer), at once after the kept events when it has
 * passed. The stream also ends when the client hangs up (its worker is freed at once) or the server stops. Without
 * {@code since} and {@code until} only new events are sent; {@code until} alone sends the kept ones up to it, as
 * dockerd does.
 */
public final class EventRoutes implements Routes {
    private static final ApiEvent END = new ApiEvent("", "", "", Map.of(), 0);

    private final EventBus bus;

    @Inject
    EventRoutes(EventBus bus) {
        this.bus = bus;
    }

    @Override
    public void register(Router r) {
        r.add("GET", "/events", this::events);
    }

    private void events(ApiCall c) {
        Optional<Long> since = c.query("since").filter(s -> !s.isBlank()).map(s -> EventFilter.time("since", s));
        Optional<Long> until = c.query("until").filter(s -> !s.isBlank()).map(s -> EventFilter.time("until", s));
        EventFilter filter = EventFilter.parse(c.query("filters"));
        long now = now();
        long from = since.orElse(until.isPresent() ? 0L : Long.MAX_VALUE);
        LinkedBlockingQueue<ApiEvent> queue = new LinkedBlockingQueue<>();
        try (OutputStream out = c.stream(200, "application/json", Map.of());
             AutoCloseable sub = bus.subscribe(from, e -> {
                 if (filter.test(e)) queue.add(e);
             })) {
            c.onClose(() -> queue.add(END));
            out.flush(); // the headers go now: docker's CLI waits for them before it prints anything
            while (true) {
                ApiEvent e;
                if (until.isPresent()) {
                    long left = until.get() - now();
                    e = left <= 0 ? queue.poll() : queue.poll(left, TimeUnit.NANOSECONDS);
                    if (e == null) return; // the deadline: nothing more before until
                } else {
                    e = queue.take();
                }
                if (e == END) return;
                if (until.isPresent() && e.timeNano() > until.get()) {
                    if (until.get() < now) continue; // kept events after a past until are skipped
                    return;
                }
                out.write((ApiJson.MAPPER.writeValueAsString(e.json()) + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the client went away: nothing more to send
        } catch (Exception e) {
            if (e instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e);
        }
    }

    static long now() {
        java.time.Instant i = java.time.Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
